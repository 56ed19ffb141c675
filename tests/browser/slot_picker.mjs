// Books through the slot picker of `/book/solo` (tests/e2e/availability.rs: Mon–Fri 09:00–12:00
// London on one host, 30-minute slots, 10 minutes kept free after each meeting) in Debian's
// Chromium, as a visitor in New York: the times are listed in the visitor's zone, the first
// one is picked with the keyboard and booked; after a reload it is gone, and so is the next
// one (the buffer). Then a race: the time picked is booked through the API before the form
// is sent, and the page says it was just taken and lists the times again. Without JavaScript
// the date-and-time field stays. Then made-up answers (a hostile or failing network, see
// below). Prints `booked: <start>` and `joined: <url>` for the test,
// and saves screenshots (desktop and a phone's width).
//
// Usage: node tests/browser/slot_picker.mjs <worker URL> <screenshot dir> <suffix> <emulator URL>
import { check, launchChromium, scriptArguments, textMatching } from "./common.mjs";

const { base, shots, suffix } = scriptArguments("slot_picker.mjs");
const ZONE = "America/New_York";

// The clock of instant `t` in `zone`, "HH:MM".
const clock = (t, zone) => new Intl.DateTimeFormat("en-GB",
  { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(new Date(t));
// `zone`'s offset at `t` as RFC 3339 writes it ("-05:00").
function offset(t, zone) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(t)).find((p) => p.type === "timeZoneName").value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}

// The times listed, once listed: [{value, text}] in page order.
async function listed(page) {
  await page.waitForSelector(".slot input", { timeout: 20000 });
  await page.waitForFunction(() => document.getElementById("slots-note").textContent.indexOf("Loading") < 0);
  return page.$$eval(".slot", (ls) => ls.map((l) => ({ value: l.querySelector("input").value, text: l.textContent })));
}

async function fill(page, who) {
  await page.fill("#name", "Ada Lovelace");
  await page.fill("#email", `picker-${who}-${suffix}@example.com`);
}

const browser = await launchChromium();
try {
  const context = await browser.newContext({ timezoneId: ZONE, viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const posted = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/v1/bookings")) posted.push(r.postDataJSON());
  });
  await page.goto(`${base}/book/solo`);
  const slots = await listed(page);
  check(await page.inputValue("#timezone") === ZONE, "the visitor's zone is detected");
  check(await page.textContent("#picker-zone") === `Free times in ${ZONE}`, "the picker names its zone");
  check(!(await page.isVisible("#start_time")) && await page.isDisabled("#start_time"),
    "the date-and-time field gives way to the picker");
  // Every time is shown on the visitor's clock, and is a London slot of the hours.
  for (const { value, text } of slots) {
    check(value.endsWith(offset(value, ZONE)), `${value} carries New York's offset`);
    check(text === clock(value, ZONE), `${value} is shown as ${clock(value, ZONE)}: ${text}`);
    check(/^(09|10|11):(00|30)$/.test(clock(value, "Europe/London")), `${value} is within the London hours`);
  }
  check(slots.length > 1, `times are offered: ${JSON.stringify(slots)}`);
  const first = slots[0].value, next = new Date(Date.parse(first) + 30 * 60000).getTime();
  await page.screenshot({ path: `${shots}/slot-picker.png`, fullPage: true });

  // The keyboard: from "Later week", Tab enters the times at the first; Space picks it.
  await fill(page, "js");
  await page.focus("#next");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.name === "start_time" && document.activeElement.value) === first,
    "Tab reaches the first time");
  await page.keyboard.press("Space");
  check(await page.isChecked(`.slot input[value="${first}"]`), "Space picks it");
  await page.screenshot({ path: `${shots}/slot-picker-picked.png`, fullPage: true });
  await page.click("button[type=submit]");
  await page.waitForSelector("#join-link", { timeout: 20000 });
  check(posted.length === 1 && posted[0].start_time === first && posted[0].timezone === ZONE,
    `the slot as listed, in the visitor's zone: ${JSON.stringify(posted)}`);
  const booked = await page.textContent("#booked-when");
  check(booked.includes(`${clock(first, ZONE)}–`) && booked.includes("New York time"), `booked: ${booked}`);
  console.log(`booked: ${first}`);
  console.log(`joined: ${await page.getAttribute("#join-link", "href")}`);
  await page.screenshot({ path: `${shots}/slot-picker-booked.png`, fullPage: true });

  // Listed again after a reload: the time booked is gone, and so is the one after it, which
  // would end inside its buffer.
  await page.reload();
  const after = await listed(page);
  const values = after.map((s) => Date.parse(s.value));
  check(!values.includes(Date.parse(first)), `the booked time is gone: ${JSON.stringify(after)}`);
  check(!values.includes(next), `the time the buffer blocks is gone: ${JSON.stringify(after)}`);
  check(after.length > 0, "other times are still offered");

  // The race: someone books the time picked before this form is sent.
  const taken = after[0].value;
  await fill(page, "race");
  await page.check(`.slot input[value="${taken}"]`);
  const other = await fetch(`${base}/v1/bookings`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "solo", name: "Grace Hopper", email: `picker-other-${suffix}@example.com`,
      start_time: taken, timezone: "Europe/London" }),
  });
  check(other.status === 201, `the other booking: ${other.status} ${await other.text()}`);
  await page.click("button[type=submit]");
  const note = await textMatching(page, "#slots-note", /just taken/);
  const refreshed = await listed(page);
  check(!refreshed.some((s) => s.value === taken), `the taken time is no longer offered: ${JSON.stringify(refreshed)}`);
  check(!(await page.$("#join-link")), "nothing was booked");
  console.log(`race: ${taken}: ${note}`);
  await page.screenshot({ path: `${shots}/slot-picker-taken.png`, fullPage: true });

  // A phone's width: the times wrap under their day.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/slot-picker-mobile.png`, fullPage: true });
  await context.close();

  // Without JavaScript: the date-and-time field, no picker.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto(`${base}/book/solo`);
  check(await noJs.isVisible("#start_time") && !(await noJs.isVisible("#picker")), "no JavaScript: the field");
  await plain.close();

  // A hostile or failing network, the answers made up here (nothing reaches the worker's
  // availability or booking routes): markup in a zone name stays text; a repeated hour shows
  // both instants apart; an older answer never replaces a newer one; a lost read gives the
  // field back and a time picked before is not sent with it; the read limit's 429 says so; a
  // 409 lists the times again and focuses the first; a zone Intl cannot name lists the
  // type's zone and fills the field with it.
  const made = await browser.newContext({ timezoneId: ZONE });
  await made.addInitScript(() => {
    const resolved = Intl.DateTimeFormat.prototype.resolvedOptions;
    Intl.DateTimeFormat.prototype.resolvedOptions = function () {
      return { ...resolved.call(this), timeZone: window.unknownZone ? "Etc/Unknown" : resolved.call(this).timeZone };
    };
    window.unknownZone = location.hash === "#unknown";
  });
  const fake = await made.newPage();
  const asked = [];
  let answer = null;
  await fake.route("**/v1/availability?**", async (route) => {
    const q = new URL(route.request().url()).searchParams;
    asked.push(Object.fromEntries(q));
    const a = await answer(q);
    if (!a) return route.abort();
    if (a.delay) await new Promise((r) => setTimeout(r, a.delay));
    await route.fulfill({ status: a.status || 200, contentType: "application/json", body: JSON.stringify(a.body) });
  });
  const week = (q, slots, zone = "<img src=x onerror=window.pwned=1>") => ({ body: { type: "solo", timezone: zone,
    duration: 30, days: [{ date: q.get("from"), slots }] } });
  const repeated = ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00"];
  answer = (q) => week(q, repeated);
  await fake.goto(`${base}/book/solo`);
  await fake.waitForSelector(".slot input");
  const shown = await fake.$$eval(".slot", (ls) => ls.map((l) => l.textContent));
  check(JSON.stringify(shown) === JSON.stringify(["01:00 (UTC-04:00)", "01:00 (UTC-05:00)", "01:30"]),
    `a repeated hour shows both instants apart: ${shown}`);
  check(await fake.textContent("#picker-zone") === "Free times in <img src=x onerror=window.pwned=1>"
    && !(await fake.$("#picker img")) && !(await fake.evaluate(() => window.pwned)), "markup in an answer stays text");

  // Later week, answered slowly; Earlier week, answered at once: the later answer is dropped.
  answer = (q) => q.get("from") === asked[0].from ? week(q, [repeated[2]]) : { ...week(q, [repeated[0]]), delay: 1500 };
  await fake.click("#next");
  await fake.click("#prev");
  await fake.waitForTimeout(2500);
  const kept = await fake.$$eval(".slot input", (is) => is.map((i) => i.value));
  check(JSON.stringify(kept) === JSON.stringify([repeated[2]]), `the newer question's answer stays: ${kept}`);

  // A time picked, then the next week's read is lost: the field comes back and only it is sent.
  await fake.check(".slot input");
  answer = () => null;
  await fake.click("#next");
  await textMatching(fake, "#start_time-error", /could not be loaded/);
  check(await fake.isVisible("#start_time") && !(await fake.isVisible("#picker")), "a lost read gives the field back");
  const sent = [];
  await fake.route("**/v1/bookings", async (route) => {
    sent.push(route.request().postDataJSON());
    await route.fulfill({ status: 409, contentType: "application/json",
      body: JSON.stringify({ error: { code: "slot_unavailable", message: "<b>That time is taken.</b>" } }) });
  });
  await fill(fake, "fake");
  await fake.fill("#start_time", "2030-01-07T10:00");
  await fake.click("button[type=submit]");
  await textMatching(fake, "#result", /That time is taken/);
  check(sent.length === 1 && sent[0].start_time === "2030-01-07T10:00", `only the typed time is sent: ${JSON.stringify(sent)}`);
  check(!(await fake.$("#result b")), "an API message stays text");

  // The read limit.
  answer = () => ({ status: 429, body: { error: { code: "too_many_requests", message: "Too many." } } });
  await fake.dispatchEvent("#duration", "change");
  await textMatching(fake, "#start_time-error", /Too many requests for free times/);

  // A 409 through the picker: listed again, the message above the times, the first focused.
  answer = (q) => week(q, repeated.slice(1), "America/New_York");
  await fake.dispatchEvent("#duration", "change");
  await fake.waitForSelector("#picker .slot input");
  await fake.check(".slot input");
  await fake.click("button[type=submit]");
  await textMatching(fake, "#slots-note", /just taken/);
  check(await fake.evaluate(() => document.activeElement.name === "start_time" && document.activeElement.value)
    === repeated[1], "the first time listed again has the focus");
  await fake.screenshot({ path: `${shots}/slot-picker-made-up.png`, fullPage: true });

  // A zone Intl cannot name: none is asked for, and the type's zone fills the field.
  asked.length = 0;
  answer = (q) => week(q, [], "Europe/London");
  await fake.goto(`${base}/book/solo#unknown`);
  await fake.reload();
  await textMatching(fake, "#picker-zone", /Europe\/London/);
  check(asked.at(-1).timezone === "" && await fake.inputValue("#timezone") === "Europe/London",
    `an unnamed zone lists the type's: ${JSON.stringify(asked)}`);
  await made.close();
} finally {
  await browser.close();
}
