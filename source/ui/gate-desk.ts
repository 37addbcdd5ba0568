import type { Gate, Prompter } from '../core/events.js';

// The operator's side of the executor's gates: the Prompter the wizard hands to
// backend.run. A gate waits here, one at a time, until its screen answers it.
// The plan was already confirmed on the plan screen, so that gate is answered
// at once; after an abort every gate is answered no, so nothing new starts.

export interface PendingGate {
	id: number;
	gate: Gate;
}

export interface GateDesk {
	readonly prompter: Prompter;
	/** The gate on screen, if any. */
	getSnapshot(): PendingGate | undefined;
	subscribe(listener: () => void): () => void;
	answer(id: number, yes: boolean): void;
	/** Answer no to the gate on screen and to every later one (abort). */
	refuseAll(): void;
}

export function createGateDesk(): GateDesk {
	const queue: Array<PendingGate & { resolve: (yes: boolean) => void }> = [];
	const listeners = new Set<() => void>();
	let nextId = 1;
	let refusing = false;
	const notify = () => {
		for (const listener of [...listeners]) listener();
	};

	return {
		prompter: {
			name: 'operator',
			confirm(gate) {
				if (gate.kind === 'confirm-plan') return Promise.resolve(!refusing);
				if (refusing) return Promise.resolve(false);
				return new Promise<boolean>((resolve) => {
					queue.push({ id: nextId++, gate, resolve });
					if (queue.length === 1) notify();
				});
			},
		},
		// The queued entry itself: the same object until it is answered, as useSyncExternalStore needs.
		getSnapshot: () => queue[0],
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		answer(id, yes) {
			const head = queue[0];
			if (!head || head.id !== id) return;
			queue.shift();
			head.resolve(yes);
			notify();
		},
		refuseAll() {
			refusing = true;
			const pending = queue.splice(0);
			for (const gate of pending) gate.resolve(false);
			if (pending.length > 0) notify();
		},
	};
}
