// Drives the served booking page in Debian's Chromium (playwright-core), as a visitor would:
// with JavaScript (a booking shows its join link; a past time shows the error next to its field)
// and without (the plain form post answers with an HTML confirmation). Saves screenshots.
//
// Usage: node tests/browser/booking_page.mjs <worker base URL> <screenshot dir> <unique suffix>
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, shots, suffix] = process.argv.slice(2);
if (!base || !shots || !suffix) {
  console.error("usage: booking_page.mjs <base url> <screenshot dir> <unique suffix>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// `YYYY-MM-DDTHH:MM`, as a datetime-local input takes it, `days` from now at 10:00.
function localDay(days, hour) {
  const d = new Date(Date.now() + days * 86400000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(hour)}:00`;
}

async function fill(page, email, startTime) {
  await page.fill("#name", "Ada Lovelace");
  await page.fill("#email", email);
  await page.fill("#start_time", startTime);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // With JavaScript, in a visitor's own time zone.
  const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  check(await page.inputValue("#timezone") === "Asia/Tokyo", "the visitor's time zone is detected");
  await fill(page, `page-js-${suffix}@example.com`, localDay(3, 10));
  await page.click("button[type=submit]");
  const join = await page.waitForSelector("#join-link", { timeout: 20000 });
  const href = await join.getAttribute("href");
  check(href && href.includes("/j/"), `the join link is shown: ${href}`);
  await page.screenshot({ path: `${shots}/booking-page-booked.png`, fullPage: true });
  console.log(`js booking: ${href}`);

  await fill(page, `page-past-${suffix}@example.com`, localDay(-1, 10));
  await page.click("button[type=submit]");
  await page.waitForFunction(
    () => document.getElementById("start_time-error").textContent.length > 0,
    null,
    { timeout: 20000 },
  );
  const inline = await page.textContent("#start_time-error");
  check(/future/.test(inline), `the past time is refused next to its field: ${inline}`);
  check(!(await page.$("#join-link")), "no join link after a refusal");
  await page.screenshot({ path: `${shots}/booking-page-error.png`, fullPage: true });
  console.log(`inline error: ${inline}`);
  await context.close();

  // Without JavaScript: the form posts itself and the worker answers with a page.
  const plain = await browser.newContext({ javaScriptEnabled: false, timezoneId: "UTC" });
  const noJs = await plain.newPage();
  await noJs.goto(`${base}/`);
  await fill(noJs, `page-nojs-${suffix}@example.com`, localDay(4, 11));
  await noJs.fill("#timezone", "Europe/Berlin");
  await Promise.all([noJs.waitForNavigation(), noJs.click("button[type=submit]")]);
  const heading = await noJs.textContent("h1");
  check(heading === "Booked", `the no-JS post gets an HTML confirmation: ${heading}`);
  const plainHref = await noJs.getAttribute("#join-link", "href");
  check(plainHref && plainHref.includes("/j/"), "the confirmation has the join link");
  await noJs.screenshot({ path: `${shots}/booking-page-no-js.png`, fullPage: true });
  console.log(`no-js booking: ${plainHref}`);
  await plain.close();
} finally {
  await browser.close();
}
