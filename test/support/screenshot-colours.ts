import type { Browser } from 'playwright-core';

/** Runs in the browser (a string: this project's TypeScript has no DOM types): base64 PNG -> colours. */
const COUNT_COLOURS = `async (base64) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + base64;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return colours.size;
}`;

/**
 * How many distinct colours a PNG screenshot holds, decoded by the browser itself on a blank page:
 * a blank (or all-white) page has one or two, a drawn dashboard hundreds.
 */
export async function distinctColours(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(`(${COUNT_COLOURS})(${JSON.stringify(png.toString('base64'))})`);
  } finally {
    await page.close();
  }
}
