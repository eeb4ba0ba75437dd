import { loadConfig } from '@budgetwatch/config';
import { describe, expect, it } from 'vitest';
import { describeKafkaConnection, kafkaClientOptions } from './kafka-client-options.js';

const pem = (path: string) => `PEM(${path})`;

function kafkaConfigFrom(env: Record<string, string>) {
  const kafka = loadConfig({ env }).config.kafka;
  if (kafka === undefined) throw new Error('expected kafka config');
  return kafka;
}

describe('kafkaClientOptions', () => {
  it('plain connection: brokers, client id and timeouts only', () => {
    const options = kafkaClientOptions(kafkaConfigFrom({ KAFKA_BROKERS: 'a:9092,b:9092' }), pem);
    expect(options).toEqual({
      clientId: 'budgetwatch',
      brokers: ['a:9092', 'b:9092'],
      connectionTimeout: 3000,
      requestTimeout: 30000,
    });
  });

  it('SSL with CA, client certificate and key read from files', () => {
    const options = kafkaClientOptions(
      kafkaConfigFrom({
        KAFKA_BROKERS: 'a:9093',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: '/ca.pem',
        KAFKA_SSL_CERT_FILE: '/cert.pem',
        KAFKA_SSL_KEY_FILE: '/key.pem',
      }),
      pem,
    );
    expect(options.ssl).toEqual({
      rejectUnauthorized: true,
      ca: ['PEM(/ca.pem)'],
      cert: 'PEM(/cert.pem)',
      key: 'PEM(/key.pem)',
    });
  });

  it('SSL switched off explicitly sends no TLS options', () => {
    const options = kafkaClientOptions(kafkaConfigFrom({ KAFKA_BROKERS: 'a:9093', KAFKA_SSL: 'false' }), pem);
    expect(options.ssl).toBeUndefined();
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])('SASL %s', (mechanism) => {
    const config = kafkaConfigFrom({
      KAFKA_BROKERS: 'a:9093',
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: 'bw',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(kafkaClientOptions(config, pem).sasl).toEqual({ mechanism, username: 'bw', password: 'pw' });
    expect(JSON.stringify(describeKafkaConnection(config))).not.toContain('pw"');
  });
});
