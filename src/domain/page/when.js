// A meeting's time in words, in its own time zone: "Thursday 26 November 2026, 10:00–10:30,
// London time" — the same words the worker writes (`domain::page::when`).
function meetingTimeInWords(start, minutes, zone) {
  var options = {weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone};
  var format;
  try { format = new Intl.DateTimeFormat("en-GB", options); }
  catch (e) { zone = options.timeZone = "UTC"; format = new Intl.DateTimeFormat("en-GB", options); }
  var from = new Date(start), to = new Date(from.getTime() + minutes * 60000);
  function parts(date) {
    var p = {};
    format.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    p.day = p.weekday + " " + p.day + " " + p.month + " " + p.year;
    p.clock = ("0" + Number(p.hour) % 24).slice(-2) + ":" + p.minute;
    return p;
  }
  var a = parts(from), b = parts(to), label = zoneLabel(zone, from);
  if (a.day === b.day) return a.day + ", " + a.clock + "\u2013" + b.clock + ", " + label;
  return a.day + ", " + a.clock + " \u2013 " + b.day + ", " + b.clock + ", " + label;
}
// A web address, or an inert "#" (never a `javascript:` link from an answer).
function webLink(url) { return /^https?:\/\//i.test(url || "") ? url : "#"; }
// `Europe/London` → "London time"; `Etc/GMT+5` (five hours behind UTC) → "UTC−05:00".
function zoneLabel(zone, at) {
  if (zone.indexOf("Etc/") === 0) {
    var offset = "GMT";
    try {
      new Intl.DateTimeFormat("en-GB", {timeZone: zone, timeZoneName: "longOffset"})
        .formatToParts(at).forEach(function (p) { if (p.type === "timeZoneName") offset = p.value; });
    } catch (e) {}
    return /^GMT([+-]00:00)?$/.test(offset) ? "UTC" : offset.replace("GMT", "UTC").replace("-", "\u2212");
  }
  var slash = zone.lastIndexOf("/");
  return slash < 0 ? zone : zone.slice(slash + 1).replace(/_/g, " ") + " time";
}
