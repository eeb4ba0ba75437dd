export { createKafka } from './create-kafka.js';
export { describeKafkaConnection, kafkaClientOptions } from './kafka-client-options.js';
export { kafkajsLogCreator, kafkajsLogLevel } from './kafkajs-log-bridge.js';
