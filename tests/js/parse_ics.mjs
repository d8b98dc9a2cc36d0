// Parse an iCalendar file with ical.js the way a calendar client would, and print JSON.
//
// Usage: node tests/js/parse_ics.mjs FILE.ics
// Output: {"calendar": {...top-level properties...}, "timezones": [tzid...], "events": [...]}
// Each event carries uid, summary, description, status, transp, sequence, alarms (trigger
// strings) and start/end both as wall-clock time in the event's zone and as a UTC ISO instant.
// Only the VTIMEZONEs inside the file are known to ical.js (it ships no zone database), so the
// UTC instants show whether the feed's own VTIMEZONE is read correctly.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function timeJson(time) {
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  return {
    local: time.toString(),
    tzid: time.zone ? time.zone.tzid : null,
    utc: utc.toString(),
  };
}

function eventJson(vevent) {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: vevent.getFirstPropertyValue("location"),
    status: vevent.getFirstPropertyValue("status"),
    transp: vevent.getFirstPropertyValue("transp"),
    sequence: event.sequence,
    start: timeJson(event.startDate),
    end: timeJson(event.endDate),
    alarms: vevent
      .getAllSubcomponents("valarm")
      .map((alarm) => String(alarm.getFirstPropertyValue("trigger"))),
  };
}

function calendarJson(vcalendar) {
  const calendar = {};
  for (const prop of vcalendar.getAllProperties()) {
    calendar[prop.name] = String(prop.getFirstValue());
  }
  return calendar;
}

const text = readFileSync(process.argv[2], "utf8");
const vcalendar = new ICAL.Component(ICAL.parse(text));
const timezones = vcalendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});
const events = vcalendar.getAllSubcomponents("vevent").map(eventJson);
process.stdout.write(JSON.stringify({ calendar: calendarJson(vcalendar), timezones, events }));
