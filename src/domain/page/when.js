// A meeting's time in words, in its own time zone: "Thursday 26 November 2026, 10:00–10:30,
// London time" — the same words the worker writes (`domain::page::when`), offsets included when
// the clocks change during the meeting or it starts or ends in a repeated hour.
function meetingTimeInWords(start, minutes, zone) {
  var words;
  try { words = zoneFormat(zone, true); } catch (e) { zone = "UTC"; words = zoneFormat(zone, true); }
  var numbers = zoneFormat(zone, false);
  // Minutes the zone's clock is ahead of UTC at `t` (milliseconds).
  function offset(t) {
    var p = zoneParts(numbers, t);
    return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - t) / 60000);
  }
  // Whether the clock time shown at `t` is shown again at another instant (no zone changes
  // offset twice within 6 hours).
  function repeated(t, o) {
    return [-6, 6].some(function (hours) {
      var other = offset(t + hours * 3600000);
      return other !== o && offset(t + (o - other) * 60000) === other;
    });
  }
  var from = new Date(start).getTime(), to = from + minutes * 60000;
  var a = offset(from), b = offset(to);
  var marked = a !== b || repeated(from, a) || repeated(to, b);
  function at(t, o) {
    var p = zoneParts(words, t), clock = ("0" + Number(p.hour) % 24).slice(-2) + ":" + p.minute;
    return {day: p.weekday + " " + p.day + " " + p.month + " " + p.year,
      clock: marked ? clock + " (" + utcOffset(o) + ")" : clock};
  }
  var x = at(from, a), y = at(to, b), label = zoneLabel(zone, a);
  if (x.day !== y.day) return x.day + ", " + x.clock + " \u2013 " + y.day + ", " + y.clock + ", " + label;
  return x.day + ", " + x.clock + (marked ? " \u2013 " : "\u2013") + y.clock + ", " + label;
}
function zoneFormat(zone, inWords) {
  return new Intl.DateTimeFormat(inWords ? "en-GB" : "en-US", inWords
    ? {weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZone: zone}
    : {year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
      second: "numeric", hourCycle: "h23", timeZone: zone});
}
function zoneParts(format, t) {
  var p = {};
  format.formatToParts(new Date(t)).forEach(function (part) { p[part.type] = part.value; });
  return p;
}
// 0 → "UTC", 330 → "UTC+05:30", −300 → "UTC−05:00".
function utcOffset(minutes) {
  if (!minutes) return "UTC";
  var m = Math.abs(minutes);
  return "UTC" + (minutes < 0 ? "\u2212" : "+") + ("0" + Math.floor(m / 60)).slice(-2) + ":" + ("0" + m % 60).slice(-2);
}
// A web address, or an inert "#" (never a `javascript:` link from an answer).
function webLink(url) { return /^https?:\/\//i.test(url || "") ? url : "#"; }
// `Europe/London` → "London time"; `Etc/GMT+5` (five hours behind UTC) → "UTC−05:00".
function zoneLabel(zone, offsetMinutes) {
  if (zone.indexOf("Etc/") === 0) return utcOffset(offsetMinutes);
  var slash = zone.lastIndexOf("/");
  return slash < 0 ? zone : zone.slice(slash + 1).replace(/_/g, " ") + " time";
}
