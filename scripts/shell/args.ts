// Splits a shell line into words (with quotes) and reads `--name value` options before the positionals.

export interface Word {
  text: string;
  /** Offset just past the word in the line, so a command can take the raw rest of the line. */
  end: number;
  start: number;
}

/** Words separated by blanks; "double" and 'single' quotes group, backslash escapes inside double quotes. */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let at = 0;
  while (at < line.length) {
    while (at < line.length && /\s/.test(line[at])) at++;
    if (at >= line.length) break;
    const start = at;
    let text = '';
    while (at < line.length && !/\s/.test(line[at])) {
      const quote = line[at];
      if (quote === '"' || quote === "'") {
        const close = findClose(line, at + 1, quote);
        if (close < 0) throw new UsageError(`unclosed ${quote} quote`);
        const inner = line.slice(at + 1, close);
        text += quote === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
        at = close + 1;
      } else text += line[at++];
    }
    words.push({ text, start, end: at });
  }
  return words;
}

/** The command line's arguments as words: the OS already split them, and there is no typed line behind them. */
export function argvWords(args: readonly string[]): Word[] {
  return args.map((text) => ({ text, start: -1, end: -1 }));
}

function findClose(line: string, from: number, quote: string): number {
  for (let at = from; at < line.length; at++) {
    if (quote === '"' && line[at] === '\\') at++;
    else if (line[at] === quote) return at;
  }
  return -1;
}

export class UsageError extends Error {}

export interface Parsed {
  options: Record<string, string | true>;
  positionals: Word[];
}

/**
 * Leading `--flag` or `--name value` options (as declared), then positionals; `--` ends the options.
 * Options stop at the first positional so values such as `--not-an-option` can still be stored.
 */
export function parseOptions(words: Word[], declared: Record<string, 'flag' | 'value'>): Parsed {
  const options: Record<string, string | true> = {};
  let at = 0;
  for (; at < words.length; at++) {
    const text = words[at].text;
    if (text === '--') {
      at++;
      break;
    }
    if (!text.startsWith('--')) break;
    const [name, inline] = text.slice(2).split(/=(.*)/s, 2);
    const kind = declared[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'flag') options[name] = true;
    else {
      const value = inline ?? words[++at]?.text;
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    }
  }
  return { options, positionals: words.slice(at) };
}

/** A whole number option, or a usage error naming the option. */
export function intOption(options: Parsed['options'], name: string, fallback?: number): number | undefined {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !/^-?\d+$/.test(String(raw)) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be a whole number`);
  return value;
}
