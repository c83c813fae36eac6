/**
 * Debian's Chromium driven by playwright-core, for the browser tests and the dashboard benchmark
 * (never `playwright install`: `.ci/run` installs the `chromium` package). The flags keep a
 * headless browser from reaching for Google's services, which this machine's closed network
 * refuses.
 */
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Starts a headless Chromium with a fresh profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
