/**
 * The file of the display-text module this process runs (src/ under the source condition, dist/
 * once built; both sit next to this file): the API serves it to the dashboard as it is, so the
 * browser runs the same code as the renderers in Node.
 */
export const DISPLAY_TEXT_MODULE_URL: URL = new URL('./display-text.js', import.meta.url);
