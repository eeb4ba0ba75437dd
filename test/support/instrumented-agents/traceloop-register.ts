/**
 * Loaded with `--import` before the agent: the OpenTelemetry setup, then
 * @traceloop/instrumentation-mcp registered as its README says (registerInstrumentations). That
 * patches the MCP SDK when it is loaded with require(); an ES module agent imports it, which the
 * instrumentation's module hooks do not catch (checked: no span), so the instrumentation's own
 * ESM entry point, manuallyInstrument, is given the SDK's Client class too.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { McpInstrumentation } from '@traceloop/instrumentation-mcp';
import { startAgentTracing } from './agent-tracing.js';

startAgentTracing();
const instrumentation = new McpInstrumentation();
registerInstrumentations({ instrumentations: [instrumentation] });
instrumentation.manuallyInstrument({ Client });
