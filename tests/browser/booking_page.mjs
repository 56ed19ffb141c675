// Drives the served booking page in Debian's Chromium (playwright-core), as a visitor would:
// with JavaScript (a booking shows its time in words, join link and manage link; a past time
// shows the error next to its field; the manage link reschedules and cancels, each step checked
// at the Zoom emulator) and without (the plain form post answers with an HTML confirmation).
// Saves screenshots.
//
// Usage: node tests/browser/booking_page.mjs <worker URL> <screenshot dir> <suffix> <emulator URL>
import { check, launchChromium, localDay, scriptArguments, textMatching, zoomMeetings } from "./common.mjs";

const { base, shots, suffix, emulator } = scriptArguments("booking_page.mjs");
const meetingAtZoom = (joinUrl) => zoomMeetings(emulator, joinUrl);

// No raw booking id or owner token is shown as text to copy: the manage link carries them.
async function noRawIdentifiers(page) {
  const text = await page.textContent("main");
  check(!/\b(bk|mt)_[A-Za-z0-9_-]{8,}/.test(text), `raw identifiers are shown: ${text}`);
}

async function fill(page, email, startTime) {
  await page.fill("#name", "Ada Lovelace");
  await page.fill("#email", email);
  await page.fill("#start_time", startTime);
}

const browser = await launchChromium();
try {
  // With JavaScript, in a visitor's own time zone.
  const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  check(await page.inputValue("#timezone") === "Asia/Tokyo", "the visitor's time zone is detected");
  // The page's script writes times in words as the worker does (`page::when` tests), offsets
  // included where the clocks change.
  for (const [start, minutes, zone, words] of [
    ["2026-10-25T00:30:00Z", 60, "Europe/London", "Sunday 25 October 2026, 01:30 (UTC+01:00) – 01:30 (UTC), London time"],
    ["2026-10-25T01:30:00Z", 15, "Europe/London", "Sunday 25 October 2026, 01:30 (UTC) – 01:45 (UTC), London time"],
    ["2026-03-29T00:30:00Z", 60, "Europe/London", "Sunday 29 March 2026, 00:30 (UTC) – 02:30 (UTC+01:00), London time"],
    ["2026-04-04T14:45:00Z", 30, "Australia/Lord_Howe", "Sunday 5 April 2026, 01:45 (UTC+11:00) – 01:45 (UTC+10:30), Lord Howe time"],
    ["2026-01-14T20:15:00Z", 45, "Pacific/Chatham", "Thursday 15 January 2026, 10:00–10:45, Chatham time"],
    ["2026-12-31T18:00:00Z", 720, "Europe/Berlin", "Thursday 31 December 2026, 19:00 – Friday 1 January 2027, 07:00, Berlin time"],
    ["2026-11-26T15:00:00Z", 30, "Etc/GMT+5", "Thursday 26 November 2026, 10:00–10:30, UTC−05:00"],
  ]) {
    const got = await page.evaluate((a) => meetingTimeInWords(...a), [start, minutes, zone]);
    check(got === words, `time in words for ${zone} ${start}: ${got}`);
  }
  await fill(page, `page-js-${suffix}@example.com`, localDay(3, 10));
  await page.click("button[type=submit]");
  const join = await page.waitForSelector("#join-link", { timeout: 20000 });
  const href = await join.getAttribute("href");
  check(href && href.includes("/j/"), `the join link is shown: ${href}`);
  const booked = await page.textContent("#booked-when");
  check(/, 10:00–10:30, Tokyo time/.test(booked), `the time is in words, in the zone: ${booked}`);
  const manageHref = await page.getAttribute("#manage-link", "href");
  check(/^\/manage#bk_[A-Za-z0-9_-]+\.mt_[A-Za-z0-9_-]+$/.test(manageHref), `the manage link: ${manageHref}`);
  await noRawIdentifiers(page);
  await page.screenshot({ path: `${shots}/booking-page-booked.png`, fullPage: true });
  console.log(`js booking: ${href}; ${booked}`);

  // The manage link: see the booking, move it, cancel it; Zoom follows each step.
  const made = await meetingAtZoom(href);
  check(made, "the booked meeting is at Zoom");
  await Promise.all([page.waitForURL(/\/manage#/), page.click("#manage-link")]);
  const shown = await textMatching(page, "#when", /Tokyo time/);
  check(shown.startsWith(booked.replace(/^Booked: /, "")), `the manage page shows the booking: ${shown}`);
  check(await page.inputValue("#start_time") === localDay(3, 10), "the form starts at the booked time");
  await noRawIdentifiers(page);

  await page.fill("#start_time", localDay(-1, 9));
  await page.click("#move");
  const refusedMove = await textMatching(page, "#start_time-error", /future/);
  console.log(`manage inline error: ${refusedMove}`);

  await page.fill("#start_time", localDay(5, 14));
  await page.click("#move");
  await textMatching(page, "#form-result", /moved/);
  const moved = await textMatching(page, "#when", /14:00–14:30, Tokyo time/);
  const atZoom = await meetingAtZoom(href);
  const wanted = new Date(`${localDay(5, 14)}:00+09:00`).getTime();
  check(atZoom && new Date(atZoom.start_time).getTime() === wanted,
    `the meeting moved at Zoom: ${atZoom && atZoom.start_time}`);
  await page.screenshot({ path: `${shots}/manage-page-moved.png`, fullPage: true });
  console.log(`rescheduled: ${moved}`);

  await page.click("#cancel");
  await page.click("#cancel-yes");
  const cancelled = await textMatching(page, "#status", /cancelled/);
  check(!(await meetingAtZoom(href)), "the meeting is deleted at Zoom");
  check(await page.isHidden("#changes"), "a cancelled booking offers no changes");
  await page.screenshot({ path: `${shots}/manage-page-cancelled.png`, fullPage: true });
  console.log(`cancelled: ${cancelled}`);

  // Back on the booking page, a refusal shows next to its field.
  await page.goto(`${base}/`);
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

  // A garbled link and a link to a booking nobody can read say so.
  await page.goto(`${base}/manage#not-a-link`);
  await textMatching(page, "#status", /incomplete/);
  await page.goto(`${base}/manage#bk_AAAAAAAAAAAAAAAAAAAAAA.mt_${"A".repeat(43)}`);
  await textMatching(page, "#status", /cannot be found/);
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
  const plainWhen = await noJs.textContent("#booked-when");
  check(/, 11:00–11:30, Berlin time/.test(plainWhen), `the time is in words, in the zone: ${plainWhen}`);
  const plainManage = await noJs.getAttribute("#manage-link", "href");
  check(/^\/manage#bk_[A-Za-z0-9_-]+\.mt_[A-Za-z0-9_-]+$/.test(plainManage), `the manage link: ${plainManage}`);
  await noRawIdentifiers(noJs);
  await noJs.screenshot({ path: `${shots}/booking-page-no-js.png`, fullPage: true });
  console.log(`no-js booking: ${plainHref}`);
  await plain.close();
} finally {
  await browser.close();
}
