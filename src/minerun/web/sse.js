// Server-Sent Events read with fetch(), because EventSource cannot send the Authorization
// header. Resumes after a break with Last-Event-ID, so no event is lost or repeated; where
// the stream cannot be read at all, the caller's poll() runs on a timer instead.

import { authHeaders, scoped } from "./api.js";

const RECONNECT_MS = [500, 1000, 2000, 5000, 10000];
const FAILURES_BEFORE_POLLING = 3;

// Split the text of a stream into events; returns the events and the unfinished rest.
export function parseEvents(buffer) {
  const events = [];
  // A chunk may end between the \r and \n of one line break: keep that \r for the next one.
  const held = buffer.endsWith("\r") ? "\r" : "";
  const normalized = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = blocks.pop() + held;
  for (const block of blocks) {
    const event = { id: null, event: "message", data: [] };
    let hasData = false;
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
      else if (field === "data") {
        event.data.push(value);
        hasData = true;
      }
    }
    if (hasData || event.id !== null) events.push({ ...event, data: event.data.join("\n") });
  }
  return { events, rest };
}

// Follow a stream below the project's /async path.
//   onEvent({id, event, data}) for each event; final(event) true when it ends the stream;
//   poll() is called every pollMs while the stream cannot be read; onMode("live"|"polling").
//   lastEventId resumes after an event a previous stream of the same path delivered.
export function follow(path, { onEvent, final = () => false, poll, pollMs = 2000, onMode = () => {}, lastEventId: after = null }) {
  const controller = new AbortController();
  let lastEventId = after;
  let active = true;
  let failures = 0;
  let stopped = false;
  let pollTimer = null;

  function startPolling() {
    if (stopped || pollTimer) return;
    onMode("polling");
    const tick = async () => {
      if (stopped) return;
      try {
        const done = await poll();
        if (done) return stop();
      } catch {
        // The next tick tries again.
      }
      pollTimer = setTimeout(tick, pollMs);
    };
    pollTimer = setTimeout(tick, 0);
  }

  function stop() {
    stopped = true;
    active = false;
    controller.abort();
    if (pollTimer) clearTimeout(pollTimer);
  }

  async function readOnce() {
    const headers = authHeaders({ Accept: "text/event-stream" });
    if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(scoped(path), { headers, signal: controller.signal, cache: "no-store" });
    if (!response.ok || !response.body) {
      const error = new Error(`stream answered ${response.status}`);
      error.permanent = response.status >= 400 && response.status < 500;
      throw error;
    }
    failures = 0;
    onMode("live");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += decoder.decode(value, { stream: true });
      const parsed = parseEvents(buffer);
      buffer = parsed.rest;
      for (const event of parsed.events) {
        if (event.id !== null) lastEventId = event.id;
        onEvent(event);
        if (final(event)) return true;
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        if (await readOnce()) return (active = false);
      } catch (error) {
        if (stopped) return;
        failures += 1;
        if (error.permanent || failures >= FAILURES_BEFORE_POLLING) {
          if (poll) startPolling();
          return;
        }
      }
      if (stopped) return;
      onMode("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(failures, RECONNECT_MS.length - 1)]));
    }
  })();

  return { close: stop, lastEventId: () => lastEventId, active: () => active && !stopped };
}

// Run fn at most once per waitMs, trailing: bursts of events cause one reload.
export function coalesce(fn, waitMs = 300) {
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (!timer) timer = setTimeout(run, waitMs);
  };
  return schedule;
}
