/** A stand-in for a Web Worker: records what is posted and lets a test answer, crash or garble a message. */
export class FakeWorker<Req, Ev> {
  static created: FakeWorker<unknown, unknown>[] = [];
  posted: { msg: Req; transfer?: Transferable[] }[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: ((e: MessageEvent) => void) | null = null;
  constructor() {
    FakeWorker.created.push(this);
  }
  postMessage(msg: Req, transfer?: Transferable[]) {
    this.posted.push({ msg, transfer });
  }
  terminate() {
    this.terminated = true;
  }
  emit(data: Ev) {
    this.onmessage?.({ data } as MessageEvent);
  }
  crash(message: string) {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
}

/** A createWorker for a client, and the workers it has made so far. */
export function fakeWorkers<Req, Ev>() {
  FakeWorker.created = [];
  return {
    create: () => new FakeWorker<Req, Ev>() as unknown as Worker,
    get created() {
      return FakeWorker.created as FakeWorker<Req, Ev>[];
    },
  };
}
