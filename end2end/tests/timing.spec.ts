import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration } from './state';
import * as fs from 'fs';

// Prints how long the first page takes to become interactive in Chromium on loopback (the
// figure issue 12 asks for; goal under 300 ms): a measurement, not a test of speed, so it
// asserts only that it was measured. Runs after auth.spec.ts, which creates the admin.

test('time to interactive of an inventory page, printed', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  const samples: number[] = [];
  const steps: string[] = [];
  for (let n = 0; n < 5; n++) {
    // A fresh navigation each time (the bundle comes from the browser's cache after the first).
    await page.goto(`${baseUrl}/verification-tokens`);
    await waitForHydration(page);
    const at = await page.evaluate(() => (window as any).__trustdeskHydratedAt as number);
    expect(at).toBeGreaterThan(0);
    samples.push(at);
    // Where the time goes: the page's HTML, the bundle's fetch, then compiling and hydrating.
    steps.push(await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm')) as PerformanceResourceTiming | undefined;
      const ms = (t: number | undefined) => (t === undefined ? '?' : t.toFixed(0));
      return `HTML at ${ms(nav.responseEnd)} ms, DOM ready ${ms(nav.domContentLoadedEventEnd)} ms, wasm fetched ${ms(wasm?.responseEnd)} ms (${wasm && wasm.transferSize === 0 ? 'cache' : 'network'})`;
    }));
  }
  const first = samples[0];
  const sorted = [...samples.slice(1)].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const line = `first page interactive in Chromium on loopback: ${first.toFixed(0)} ms cold, ${median.toFixed(0)} ms with the bundle cached (median of ${sorted.length}); goal under 300 ms`;
  console.log(line);
  console.log(`  cold: ${steps[0]}, interactive ${first.toFixed(0)} ms; cached: ${steps[steps.length - 1]}, interactive ${samples[samples.length - 1].toFixed(0)} ms`);
  fs.mkdirSync('end2end/artifacts', { recursive: true });
  fs.writeFileSync('end2end/artifacts/timing.txt', line + '\n');
});
