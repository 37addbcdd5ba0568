import type { Key } from 'ink';

// Every key the wizard reads goes through one queue. Keys arrive in bursts (a
// fast typist, a paste, `tmux send-keys y Enter`, a slow ssh link): one key is
// handed out per turn of the event loop, so the screen a key opens is on the
// terminal, with its own handlers, before the next key is read; and a screen
// still loading its data answers LATER, which keeps the key for it until it
// can take it. Without this, the second Enter of "Enter Enter" went to the
// screen the first one closed, and keys typed during a load were lost.

/** What a key handler returns when its screen cannot take the key yet (its data is loading). */
export const LATER = Symbol('later');
export type KeyHandler = (input: string, key: Key) => void | typeof LATER;

interface Consumer {
	handler(): KeyHandler;
	active(): boolean;
}

/** A key waiting longer than this is dropped: typed into a screen that never came, it must not act much later. */
export const KEY_MAX_AGE_MS = 15_000;
const QUEUE_LIMIT = 64;

export class KeyRouter {
	private readonly consumers = new Set<Consumer>();
	private readonly queue: Array<{ input: string; key: Key; at: number }> = [];
	private timer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly now: () => number = Date.now) {}

	push(keys: Array<[string, Key]>): void {
		for (const [input, key] of keys) if (this.queue.length < QUEUE_LIMIT) this.queue.push({ input, key, at: this.now() });
		this.schedule();
	}

	register(consumer: Consumer): () => void {
		this.consumers.add(consumer);
		this.schedule();
		return () => {
			this.consumers.delete(consumer);
		};
	}

	/** A consumer re-rendered (its data may have arrived): try the queue again. */
	poke(): void {
		if (this.queue.length > 0) this.schedule();
	}

	get pending(): number {
		return this.queue.length;
	}

	private schedule(): void {
		if (this.timer !== undefined || this.queue.length === 0) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.deliverOne();
		}, 0);
	}

	private deliverOne(): void {
		while (this.queue.length > 0 && this.now() - this.queue[0]!.at > KEY_MAX_AGE_MS) this.queue.shift();
		const next = this.queue[0];
		if (!next) return;
		const active = [...this.consumers].filter((consumer) => consumer.active());
		// Nobody listens (a screen between two renders): the next registration pumps again.
		if (active.length === 0) return;
		let taken = false;
		for (const consumer of active) if (consumer.handler()(next.input, next.key) !== LATER) taken = true;
		if (!taken) return; // every listener is loading: kept until one re-renders
		this.queue.shift();
		this.schedule();
	}
}
