// What every browser script shares: its arguments, assertions, times as a datetime-local input
// takes them, and Debian's Chromium started the same way.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

// The arguments the e2e runner passes (`tests/e2e/page.rs::run_browser_script`): the worker's
// URL, the screenshot folder (created), a suffix unique to the run, the emulator's URL.
export function scriptArguments(script) {
  const [base, shots, suffix, emulator] = process.argv.slice(2);
  if (!base || !shots || !suffix || !emulator) {
    console.error(`usage: ${script} <base url> <screenshot dir> <unique suffix> <emulator url>`);
    process.exit(2);
  }
  mkdirSync(shots, { recursive: true });
  return { base, shots, suffix, emulator };
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// `YYYY-MM-DDTHH:MM`, as a datetime-local input takes it, `days` from now at `hour`:00.
export function localDay(days, hour) {
  const d = new Date(Date.now() + days * 86400000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(hour)}:00`;
}

export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// The emulator's meeting behind a join link (undefined once deleted).
export async function zoomMeetings(emulator, joinUrl) {
  const listing = await (await fetch(`${emulator}/_emulator/meetings`)).json();
  return listing.meetings.find((m) => m.join_url === joinUrl);
}

// Waits until the element's text matches `pattern`; returns the text.
export async function textMatching(page, selector, pattern) {
  await page.waitForFunction(
    ([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent || ""),
    [selector, pattern.source],
    { timeout: 20000 },
  );
  return page.textContent(selector);
}
