export type ServerSentEvent = {
  readonly data: any;
  readonly event: string;
  readonly id: string | null;
};

export type EventStream = {
  /** Resolves when the server has ended the stream. */
  readonly ended: Promise<void>;
  /** Every event received so far, in order. */
  readonly events: ServerSentEvent[];
  readonly response: Response;
};

/** Opens a Server-Sent Events stream with fetch and collects its events (`data` parsed as JSON) until the server ends it. */
export const openEventStream = async (url: string, headers: Readonly<Record<string, string>> = {}): Promise<EventStream> => {
  const response = await fetch(url, {headers: {accept: 'text/event-stream', ...headers}});
  const events: ServerSentEvent[] = [];

  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';

    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, {stream: true});

      let end = buffer.indexOf('\n\n');

      while (end !== -1) {
        const block = buffer.slice(0, end);

        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');

        const fields = new Map<string, string>();

        for (const line of block.split('\n')) {
          if (!line.startsWith(':')) {
            const colon = line.indexOf(':');

            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
        }

        if (fields.has('event')) {
          events.push({data: JSON.parse(fields.get('data') ?? 'null') as unknown, event: fields.get('event') ?? 'message', id: fields.get('id') ?? null});
        }
      }
    }
  })();

  return {ended, events, response};
};
