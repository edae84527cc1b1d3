// The embedded metric format (EMF) lines a function writes to stdout, as CloudWatch Logs reads them:
// each a JSON object with `_aws.CloudWatchMetrics` and the metrics' values and dimensions beside it.
import { vi } from 'vitest';

export interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/**
 * Records what is written to stdout from now on (still written through); `lines()` parses the EMF
 * lines among it, `stop()` ends the recording.
 */
export function captureEmf(): { lines: () => EmfLine[]; stop: () => void } {
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) written.push(chunk.toString());
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as EmfLine),
    stop: () => spy.mockRestore(),
  };
}

/** An EMF line's content without its timestamp, which a test cannot know. */
export function withoutTimestamp(line: EmfLine): unknown {
  const { Timestamp: _, ...aws } = line._aws;
  return { ...line, _aws: aws };
}

/** The EMF line of one metric `name` under `dimensions` in the namespace `tokengate`, less its timestamp. */
export function emfLine(
  dimensions: Record<string, string>,
  name: string,
  unit: string,
  value: unknown,
): unknown {
  return {
    _aws: {
      CloudWatchMetrics: [
        {
          Namespace: 'tokengate',
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    ...dimensions,
    [name]: value,
  };
}
