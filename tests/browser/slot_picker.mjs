// Books through the slot picker of `/book/solo` (tests/e2e/availability.rs: Mon–Fri 09:00–12:00
// London on one host, 30-minute slots, 10 minutes kept free after each meeting) in Debian's
// Chromium, as a visitor in New York: the times are listed in the visitor's zone, the first
// one is picked with the keyboard and booked; after a reload it is gone, and so is the next
// one (the buffer). Then a race: the time picked is booked through the API before the form
// is sent, and the page says it was just taken and lists the times again. Without JavaScript
// the date-and-time field stays. Prints `booked: <start>` and `joined: <url>` for the test,
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
} finally {
  await browser.close();
}
