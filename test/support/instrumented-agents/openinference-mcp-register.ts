/**
 * Loaded with `--import` before the agent: the OpenTelemetry setup, then
 * @arizeai/openinference-instrumentation-mcp as its README says (manuallyInstrument on the MCP
 * SDK's stdio client module). Its README has it propagate trace context; it records no spans.
 */
import { MCPInstrumentation } from '@arizeai/openinference-instrumentation-mcp';
import * as MCPClientStdioModule from '@modelcontextprotocol/sdk/client/stdio.js';
import { startAgentTracing } from './agent-tracing.js';

startAgentTracing();
new MCPInstrumentation().manuallyInstrument({ clientStdioModule: MCPClientStdioModule });
