// Books the `intro` event type (tests/e2e/event_types.rs) through its page in Debian's Chromium
// (playwright-core): from the list at `/` to `/book/intro`, a length chosen from the type's
// lengths and the `company` question answered, with JavaScript; then without JavaScript, a
// refused plain form post comes back with what was typed and the refusal at its field, and
// books once corrected. Prints the two join links (`joined: <url>`) for the test to find at
// the emulator, and saves screenshots.
//
// Usage: node tests/browser/event_type_page.mjs <worker URL> <screenshot dir> <suffix> <emulator URL>
import { check, launchChromium, localDay, scriptArguments, textMatching, zoomMeetings } from "./common.mjs";

const { base, shots, suffix, emulator } = scriptArguments("event_type_page.mjs");

// A question's input: its id (`answers.<id>`) has a dot, so it is selected by attribute.
const question = (id) => `[id="answers.${id}"]`;

const browser = await launchChromium();
try {
  // With JavaScript: the list, then the intro form.
  const context = await browser.newContext({ timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  const links = await page.$$eval("#types a", (as) => as.map((a) => a.getAttribute("href")));
  check(JSON.stringify(links) === JSON.stringify(["/book/intro", "/book/support"]),
    `the list links to each type: ${links}`);
  await Promise.all([page.waitForURL(/\/book\/intro$/), page.click("a[href='/book/intro']")]);
  check(await page.textContent("h1") === "Intro call", "the intro form");
  const lengths = await page.$$eval("#duration option", (os) => os.map((o) => o.value));
  check(JSON.stringify(lengths) === JSON.stringify(["15", "30", "45"]), `lengths: ${lengths}`);
  check(await page.inputValue("#duration") === "30", "the default length is chosen");
  check(!(await page.$("#topic")), "the type's template sets the topic");
  await page.fill("#name", "Ada Lovelace");
  await page.fill("#email", `types-js-${suffix}@example.com`);
  await page.fill("#start_time", localDay(13, 9));
  await page.selectOption("#duration", "45");
  await page.fill(question("company"), "Analytical Engines Ltd");
  await page.selectOption(question("plan"), "Pro");
  // The JSON the page posts: the answers as an object, the optional ones left empty (phone,
  // cc) not sent, the length a number.
  const posted = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/v1/bookings")) posted.push(r.postDataJSON());
  });
  await page.click("button[type=submit]");
  const join = await page.waitForSelector("#join-link", { timeout: 20000 });
  check(posted.length === 1, `one post: ${JSON.stringify(posted)}`);
  const sent = posted[0];
  check(JSON.stringify(sent.answers) === JSON.stringify({ company: "Analytical Engines Ltd", plan: "Pro" }),
    `the answers object: ${JSON.stringify(sent)}`);
  check(sent.type === "intro" && sent.duration === 45, `type and length: ${JSON.stringify(sent)}`);
  check(!Object.keys(sent).some((k) => k.startsWith("answers[")), `no bracketed field: ${JSON.stringify(sent)}`);
  const href = await join.getAttribute("href");
  check(href && href.includes("/j/"), `the join link is shown: ${href}`);
  const booked = await page.textContent("#booked-when");
  check(/09:00–09:45, Berlin time/.test(booked), `the chosen length, in the zone: ${booked}`);
  await page.screenshot({ path: `${shots}/type-page-booked.png`, fullPage: true });
  console.log(`joined: ${href}`);

  // The manage page offers the type's lengths as a choice, and a move keeps to them.
  await Promise.all([page.waitForURL(/\/manage#/), page.click("#manage-link")]);
  await page.waitForSelector("select#duration", { timeout: 20000 });
  const offered = await page.$$eval("#duration option", (os) => os.map((o) => o.value));
  check(JSON.stringify(offered) === JSON.stringify(["15", "30", "45"]), `manage lengths: ${offered}`);
  check(await page.inputValue("#duration") === "45", "the booked length is chosen");
  await page.selectOption("#duration", "30");
  await page.click("#move");
  await textMatching(page, "#form-result", /moved/);
  await textMatching(page, "#when", /09:00–09:30, Berlin time/);
  const moved = await zoomMeetings(emulator, href);
  check(moved && moved.duration === 30, `the meeting's length at Zoom: ${moved && moved.duration}`);
  await page.screenshot({ path: `${shots}/type-manage-moved.png`, fullPage: true });
  await context.close();

  // Without JavaScript: a refusal comes back in the form, filled in as typed.
  const plain = await browser.newContext({ javaScriptEnabled: false, timezoneId: "UTC" });
  const noJs = await plain.newPage();
  await noJs.goto(`${base}/book/intro`);
  await noJs.fill("#name", "Grace Hopper");
  await noJs.fill("#email", "not-an-email");
  await noJs.fill("#start_time", localDay(14, 8));
  await noJs.fill("#timezone", "Europe/Berlin");
  await noJs.selectOption("#duration", "15");
  await noJs.fill(question("company"), "Compilers Inc");
  await Promise.all([noJs.waitForNavigation(), noJs.click("button[type=submit]")]);
  check(await noJs.textContent("h1") === "Intro call", "the form comes back");
  const refusal = await noJs.textContent("#email-error");
  check(refusal.length > 0, "the refusal is next to the email field");
  check(await noJs.inputValue("#name") === "Grace Hopper", "the name is kept");
  check(await noJs.inputValue(question("company")) === "Compilers Inc", "the answer is kept");
  check(await noJs.inputValue("#duration") === "15", "the length is kept");
  await noJs.screenshot({ path: `${shots}/type-page-refused-no-js.png`, fullPage: true });
  console.log(`no-js refusal: ${refusal}`);
  await noJs.fill("#email", `types-nojs-${suffix}@example.com`);
  await Promise.all([noJs.waitForNavigation(), noJs.click("button[type=submit]")]);
  check(await noJs.textContent("h1") === "Booked", "the corrected form books");
  const plainHref = await noJs.getAttribute("#join-link", "href");
  const plainWhen = await noJs.textContent("#booked-when");
  check(/08:00–08:15, Berlin time/.test(plainWhen), `the kept length, in the zone: ${plainWhen}`);
  await noJs.screenshot({ path: `${shots}/type-page-booked-no-js.png`, fullPage: true });
  console.log(`joined: ${plainHref}`);
  await plain.close();
} finally {
  await browser.close();
}
