/**
 * Errors the engine raises for bad input. Every one names the file (and the
 * tensor, where there is one) so the UI and the CLIs can tell the user exactly
 * what to fix.
 */

/** A checkpoint, config, adapter or dataset file that cannot be used as it is. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  constructor(
    /** The file's name as the user knows it (path, dropped name or URL). */
    readonly file: string,
    /** What is wrong, in words a user can act on. */
    readonly problem: string,
    /** The tensor concerned, when the problem is about one tensor. */
    readonly tensor?: string,
  ) {
    super(tensor ? `${file}: tensor "${tensor}": ${problem}` : `${file}: ${problem}`);
  }
}

/** A model whose config or weights do not match what its family expects. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** Raised by training when the loss stops being a finite number. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `the loss became ${loss} at step ${step}: training stopped. ` +
        'Try a lower learning rate, gradient clipping, or a warm-up.',
    );
  }
}

/** Turns anything thrown into a message fit to show a user. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A value from a user's file, quoted in a message: its JSON, cut at `max`
 * characters. Never throws: JSON.stringify recurses, so a value nested a
 * million levels deep (which JSON.parse accepts) would otherwise turn the
 * message itself into a RangeError.
 */
export function quoted(value: unknown, max = 80): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = Array.isArray(value) ? '[…nested too deeply to show…]' : '{…nested too deeply to show…}';
  }
  return json.length > max ? `${json.slice(0, max)}…` : json;
}
