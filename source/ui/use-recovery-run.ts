import { useCallback, useRef, useState } from 'react';
import { createRunStore, type RunStore } from '../core/run-state.js';
import type { WizardBackend } from '../core/wizard-backend.js';
import { createGateDesk, type GateDesk } from './gate-desk.js';
import { exitCodeOf, type RunOutcome } from './screens/summary-screen.js';
import { settleRun, type Notice } from './use-upgrade-run.js';

// Putting one interrupted run back: backend.recover with a run store and a
// gate desk, like an upgrade, with two differences. The operator's typed y on
// the Recovery screen is the answer to the backend's recover gate, so it is
// not asked twice. And nothing stops a recovery once it started, neither q,
// Ctrl-C nor a signal: stopped half-way, containers would be in neither state.

export const EXIT_INCOMPLETE = 3;

const REFUSAL = 'A recovery runs to its end: stopped half-way, containers would be in neither state. Wait for it.';
const SIGNALLED = 'Signal received: the recovery runs to its end, then the wizard exits.';

/** Where enter goes from a recovery's summary: the runs left, or (in the wizard) the containers; else it exits. */
export function nextAfterRecovery(runsLeft: number | undefined, mode: 'wizard' | 'recover', go: () => void): { label: string; go: () => void } | undefined {
	if (runsLeft !== undefined && runsLeft > 0) return { label: 'back to the interrupted runs', go };
	if (mode === 'wizard') return { label: runsLeft === 0 ? 'go on to the containers' : 'go on', go };
	return undefined;
}

export interface ActiveRecovery {
	runId: string;
	store: RunStore;
	desk: GateDesk;
	/** Tells one recovery's history from the next (each prints its own, once). */
	serial: number;
}

export function useRecoveryRun(backend: WizardBackend) {
	const [recovery, setRecovery] = useState<ActiveRecovery>();
	const [outcome, setOutcome] = useState<RunOutcome>();
	const [notice, setNotice] = useState<Notice>();
	const running = useRef(false);
	/** A signal came during the recovery: nobody may be there to read the summary. */
	const signalled = useRef(false);
	/** Some recovery left containers not back: the exit code is 3 whatever follows. */
	const incomplete = useRef(false);
	const serial = useRef(0);

	const start = (runId: string, onSettled: (outcome: RunOutcome) => void) => {
		if (running.current) return;
		running.current = true;
		const desk = createGateDesk({ answered: ['recover'] });
		const current: ActiveRecovery = { runId, store: createRunStore(), desk, serial: ++serial.current };
		setRecovery(current);
		setOutcome(undefined);
		setNotice(undefined);
		// A signal that is never aborted: see above.
		const io = { prompter: desk.prompter, onEvent: current.store.dispatch, signal: new AbortController().signal };
		void settleRun(backend.recover(runId, io), current.store).then((result) => {
			running.current = false;
			current.desk.refuseAll();
			if (exitCodeOf(result) >= EXIT_INCOMPLETE) incomplete.current = true;
			setOutcome(result);
			setNotice(undefined);
			onSettled(result);
		});
	};

	/** q or Ctrl-C while it runs: say why not. */
	const refuse = useCallback(() => setNotice({ text: REFUSAL, tone: 'warn' }), []);

	/** A signal while it runs: finish, then exit. */
	const holdOn = useCallback(() => {
		signalled.current = true;
		setNotice({ text: SIGNALLED, tone: 'warn' });
	}, []);

	/** Done with this recovery's summary: the next screen is not the recovery's. */
	const clear = useCallback(() => {
		setRecovery(undefined);
		setOutcome(undefined);
	}, []);

	return { recovery, outcome, notice, running, signalled, incomplete, start, refuse, holdOn, clear };
}
