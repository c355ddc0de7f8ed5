// The first rows of a CSV file read in the browser, to preview it and propose a column
// mapping before the upload. Quoted fields are honoured; only the head of the file is read.

const HEAD_BYTES = 64 * 1024;
const PREVIEW_ROWS = 5;
const DELIMITERS = [",", ";", "\t", "|"];

function splitLine(line, delimiter) {
  const cells = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

export function guessDelimiter(firstLine) {
  let best = ",";
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = splitLine(firstLine, d).length;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

export async function preview(file, delimiter = null) {
  const text = await file.slice(0, HEAD_BYTES).text();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((line) => line.length);
  if (!lines.length) return { delimiter: delimiter || ",", header: [], rows: [] };
  const used = delimiter || guessDelimiter(lines[0]);
  // The last line may be cut by the byte limit: it is never shown.
  const complete = text.length < HEAD_BYTES ? lines : lines.slice(0, -1);
  return {
    delimiter: used,
    header: splitLine(complete[0] ?? lines[0], used),
    rows: complete.slice(1, 1 + PREVIEW_ROWS).map((line) => splitLine(line, used)),
  };
}

const HINTS = {
  caseIdColumn: [/^case:concept:name$/i, /case.?id/i, /^case$/i, /case/i],
  activityColumn: [/^concept:name$/i, /^activity$/i, /activity/i, /event.?name/i],
  timestampColumn: [/^time:timestamp$/i, /complete.?timestamp/i, /^timestamp$/i, /time/i, /date/i],
  resourceColumn: [/^org:resource$/i, /resource/i, /user/i],
  startTimestampColumn: [/^start_timestamp$/i, /start.?time/i],
};

// The column of header that most likely holds each role, or "" when none looks right.
export function guessMapping(header) {
  const taken = new Set();
  const mapping = {};
  for (const [role, patterns] of Object.entries(HINTS)) {
    mapping[role] = "";
    for (const pattern of patterns) {
      const found = header.find((name) => pattern.test(name) && !taken.has(name));
      if (found) {
        mapping[role] = found;
        taken.add(found);
        break;
      }
    }
  }
  return mapping;
}
