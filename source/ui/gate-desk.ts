import type { ChoiceGate, Gate, GateAnswer, GateKind, Prompter } from '../core/events.js';

// The operator's side of the executor's gates: the Prompter the wizard hands to
// backend.run. A gate waits here, one at a time, until its screen answers it.
// The plan was already confirmed on the plan screen, so that gate is answered
// at once; after an abort every gate is answered no, so nothing new starts.

export interface PendingGate {
	id: number;
	/** A ChoiceGate (with `choices`) when the executor asked through choose(). */
	gate: Gate | ChoiceGate;
}

export interface GateDeskOptions {
	/**
	 * Gates the operator already answered yes to on an earlier screen (the
	 * skip-backup confirmation of the no-database screen): answered at once,
	 * like the plan gate, instead of asking the same thing twice.
	 */
	answered?: GateKind[];
}

export interface GateDesk {
	readonly prompter: Prompter;
	/** The gate on screen, if any. */
	getSnapshot(): PendingGate | undefined;
	subscribe(listener: () => void): () => void;
	answer(id: number, yes: boolean): void;
	/** Answer a choice gate: confirm, another destination, skip, or no. */
	choose(id: number, answer: GateAnswer): void;
	/** Answer no to the gate on screen and to every later one (abort). */
	refuseAll(): void;
}

export function isChoiceGate(gate: Gate): gate is ChoiceGate {
	return Array.isArray((gate as Partial<ChoiceGate>).choices);
}

export function createGateDesk(options: GateDeskOptions = {}): GateDesk {
	const queue: Array<PendingGate & { resolve: (answer: GateAnswer) => void }> = [];
	const listeners = new Set<() => void>();
	const answered = new Set<GateKind>(['confirm-plan', ...(options.answered ?? [])]);
	let nextId = 1;
	let refusing = false;
	const notify = () => {
		for (const listener of [...listeners]) listener();
	};
	const enqueue = (gate: Gate) =>
		new Promise<GateAnswer>((resolve) => {
			queue.push({ id: nextId++, gate, resolve });
			if (queue.length === 1) notify();
		});
	const settle = (id: number, answer: GateAnswer) => {
		const head = queue[0];
		if (!head || head.id !== id) return;
		queue.shift();
		head.resolve(answer);
		notify();
	};

	return {
		prompter: {
			name: 'operator',
			async confirm(gate) {
				if (refusing) return false;
				if (answered.has(gate.kind)) return true;
				return (await enqueue(gate)).choice === 'confirm';
			},
			async choose(gate) {
				if (refusing) return { choice: 'no' };
				return enqueue(gate);
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
			settle(id, { choice: yes ? 'confirm' : 'no' });
		},
		choose(id, answer) {
			settle(id, answer);
		},
		refuseAll() {
			refusing = true;
			const pending = queue.splice(0);
			for (const gate of pending) gate.resolve({ choice: 'no' });
			if (pending.length > 0) notify();
		},
	};
}
