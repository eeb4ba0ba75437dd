/** The name the fixture MCP server gives itself (and Shinzo's resource service.name). */
export const FIXTURE_SERVER_NAME = 'fixture-mcp';
