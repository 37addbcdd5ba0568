import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render as inkRender } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import type { RunSummary } from '../../source/core/events.js';
import type { InterruptedRunRow, WizardBackend } from '../../source/core/wizard-backend.js';
import { WizardApp, type WizardOptions } from '../../source/ui/app.js';
import { summaryLines } from '../../source/ui/screens/summary-screen.js';
import {
	CTRL_C,
	DOWN,
	ENTER,
	ESC,
	FakeStdin,
	NO_PRESELECT,
	RECOVERED,
	SizedStdout,
	deferred,
	fakeBackend,
	interruptedRun,
	liveFrame,
	playScript,
	press,
	recoveryScript,
	tick,
	waitForFrame,
	type FakeOptions,
} from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// The Recovery screen: an interrupted run found when the wizard starts (or
// `upgrade-wizard recover`), shown before the containers, recovered on a
// typed y then enter, with the run screen's progress and the summary after.

const RECOVER_MODE: WizardOptions = { ...NO_PRESELECT, mode: 'recover' };

/**
 * The wizard on a fake backend holding `runs` (one interrupted run by
 * default), which forgets a run once it is recovered with exit 0, as the
 * journal does.
 */
function mount(options: FakeOptions & { runs?: InterruptedRunRow[] } = {}, wizardOptions: WizardOptions = NO_PRESELECT) {
	let runs = options.runs ?? [interruptedRun()];
	const recover: WizardBackend['recover'] = options.recover ?? ((runId, io) => playScript(recoveryScript(runId), io));
	const backend = fakeBackend({
		interruptedRuns: async () => runs,
		...options,
		recover: async (runId, io) => {
			const summary = await recover(runId, io);
			if (summary.exitCode === 0) runs = runs.filter((run) => run.runId !== runId);
			return summary;
		},
	});
	const onExit = vi.fn();
	const app = render(<WizardApp backend={backend} options={wizardOptions} onExit={onExit} />);
	return { ...app, backend, onExit };
}

/** A recover that holds until `hold` settles, after its first rollback step. */
function heldRecover(hold: Promise<unknown>): FakeOptions['recover'] {
	return (runId, io) => {
		const script = recoveryScript(runId);
		const at = script.findIndex((item) => 'type' in item && item.type === 'rollback-step');
		return playScript([...script.slice(0, at + 1), { pause: hold }, ...script.slice(at + 1)], io);
	};
}

const INCOMPLETE: RunSummary = {
	runId: '20261122T140312Z-4242',
	exitCode: 3,
	journal: '/state/upgrade-wizard/runs/20261122T140312Z-4242.json',
	containers: [
		{
			...RECOVERED,
			result: 'rollback-failed',
			reason: `${RECOVERED.reason}; rollback incomplete: start the old app-1: no such container`,
			state: ['old container: app-1-old (a1a1a1a1a1a1) image registry.local:5000/acme/app:1.6.0, exited'],
			commands: ['docker rename app-1-old app-1', 'docker start a1a1a1a1a1a1'],
		},
	],
};

afterEach(() => {
	cleanup();
});

describe('recovery screen in the wizard', () => {
	it('comes before the containers when an interrupted run exists, with when, by whom, containers, state now and steps', async () => {
		const { lastFrame, backend } = mount();
		const frame = await waitForFrame(lastFrame, '[2 Recovery]');
		expect(frame).toContain('An interrupted run holds containers on this engine: recover it first.');
		expect(frame).toContain('Run 20261122T140312Z-4242');
		expect(frame).toMatch(/started \d{4}-\d\d-\d\d \d\d:\d\d \(3 h ago\) by ops@build-host \(pid 4242\)/);
		expect(frame).toContain('containers: app-1');
		expect(frame).toContain('On the engine now');
		expect(frame).toContain('app-1: old container: app-1-old (a1a1a1a1a1a1)');
		expect(frame).toContain('app-1: new container: n1n1n1n1n1n1 does not exist');
		expect(frame).toContain('Recover will');
		expect(frame).toContain(' 1. rename app-1-old back to app-1');
		expect(frame).toContain(' 3. check that app-1 is healthy');
		expect(frame).toContain('s skips to the containers; app-1 cannot be upgraded until recovered');
		expect(frame).toContain('r/enter recover');
		expect(frame).not.toContain('[x] app-1');
		expect(backend.calls.interruptedRuns).toBe(1);
	});

	it('goes straight to the containers when there is none', async () => {
		const { lastFrame, frames } = mount({ runs: [] });
		await waitForFrame(lastFrame, '[2 Containers]');
		await waitForFrame(lastFrame, 'app-1');
		expect(frames.some((frame) => frame.includes('Recovery'))).toBe(false);
	});

	it('recovers on r, y, enter: the run screen\'s progress, then the summary with exit 0, then the containers', async () => {
		const hold = deferred<void>();
		const { lastFrame, stdin, backend, onExit } = mount({ recover: heldRecover(hold.promise) });
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, 'r');
		const asked = await waitForFrame(lastFrame, 'Recover this run?');
		expect(asked).toContain('enter alone does not. [y/N]');
		await press(stdin, 'y');
		await waitForFrame(lastFrame, /\[y\/N\] y/);
		await press(stdin, ENTER);

		const live = liveFrame(await waitForFrame(lastFrame, 'Recovering run 20261122T140312Z-4242'));
		expect(live).toContain('[3 Run]');
		expect(live).toContain('rolling back: recovered after the run was interrupted');
		expect(live).toContain('✔ rename app-1-old back to app-1');
		// None of the upgrade's own steps: a recovery runs none of them.
		expect(live).not.toMatch(/· (pull|stop|create)\b/);
		expect(live).toContain('a recovery runs to its end');
		expect(backend.calls.recover.map((call) => call.runId)).toEqual(['20261122T140312Z-4242']);
		// The typed y was the answer: the backend's recover gate is not asked again.
		expect(live).not.toContain('[y/N]');

		hold.resolve();
		const summary = liveFrame(await waitForFrame(lastFrame, 'exit code 0'));
		expect(summary).toContain('[4 Summary]');
		expect(summary).toContain('✔ Recovery complete: the interrupted run is closed.');
		expect(summary).toContain('app-1  1.6.0 → 1.7.0  rolled back');
		expect(summary).toContain('no longer held');
		expect(lastFrame()).toContain('Recover the interrupted run? yes (answered by operator)');
		expect(lastFrame()).toContain('app-1: health healthy');
		const next = await waitForFrame(lastFrame, 'enter go on to the containers');
		expect(next).toContain('q quit (code 0)');
		expect(backend.calls.recover[0]!.signal.aborted).toBe(false);

		await press(stdin, ENTER);
		await waitForFrame(lastFrame, '[2 Containers]');
		await waitForFrame(lastFrame, '] app-1');
		// Read again after the recovery: the runs (none left) and the containers.
		expect(backend.calls.interruptedRuns).toBe(2);
		expect(backend.calls.listContainers).toBe(2);
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(2);
	});

	it('reads r, y and enter typed back to back as yes', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		stdin.write('r');
		stdin.write('y');
		stdin.write(ENTER);
		await waitForFrame(lastFrame, 'exit code 0');
		expect(backend.calls.recover).toHaveLength(1);
	});

	it('enter alone does not recover, nor n or esc; nothing is touched', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'Recover this run?');
		await press(stdin, ENTER);
		const declined = await waitForFrame(lastFrame, 'Not recovered: nothing was touched.');
		expect(declined).not.toContain('Recover this run?');
		await press(stdin, 'r', 'n', ENTER);
		await waitForFrame(lastFrame, 'Not recovered');
		await press(stdin, 'r', 'y', ESC);
		await waitForFrame(lastFrame, (frame) => frame.includes('Not recovered') && !frame.includes('Recover this run?'));
		await press(stdin, 'r', 'x');
		await waitForFrame(lastFrame, 'Only y or n');
		await press(stdin, ENTER);
		await tick(50);
		expect(backend.calls.recover).toHaveLength(0);
		expect(lastFrame()).toContain('[2 Recovery]');
	});

	it('s skips to the container list; the run is left as it is', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, 's');
		await waitForFrame(lastFrame, '[2 Containers]');
		await waitForFrame(lastFrame, '] app-1');
		expect(backend.calls.recover).toHaveLength(0);
	});

	it('q quits with exit 2, and so does ctrl-c', async () => {
		for (const key of ['q', CTRL_C]) {
			const { lastFrame, stdin, onExit, backend, unmount } = mount();
			await waitForFrame(lastFrame, '[2 Recovery]');
			await tick();
			await press(stdin, key);
			expect(onExit).toHaveBeenCalledWith(2);
			expect(backend.calls.recover).toHaveLength(0);
			unmount();
		}
	});

	it('an incomplete recovery shows the state and the hand commands (exit 3), and keeps exit 3 after going on', async () => {
		const { lastFrame, stdin, onExit } = mount({
			recover: (runId, io) => playScript([...recoveryScript(runId).slice(0, -2), { type: 'run-done', summary: INCOMPLETE }], io).then(() => INCOMPLETE),
		});
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, 'r', 'y', ENTER);
		const frame = liveFrame(await waitForFrame(lastFrame, 'to finish by hand'));
		expect(frame).toContain('✖ The recovery is incomplete: finish by hand with the commands below.');
		expect(frame).toContain('ROLLBACK INCOMPLETE');
		expect(frame).toContain('docker rename app-1-old app-1');
		expect(frame).toContain('docker start a1a1a1a1a1a1');
		await press(stdin, ENTER);
		// The run is still interrupted (the fake says so again): back on its screen; s goes on.
		await waitForFrame(lastFrame, '[2 Recovery]');
		await press(stdin, 's');
		await waitForFrame(lastFrame, '] app-1');
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(3);
	});

	it('chooses among several runs with up/down, and recovers the chosen one', async () => {
		const older = interruptedRun({ runId: '20261120T090000Z-17', by: 'dana@ops-2 (pid 17)', containers: ['scanner'], startedAt: new Date(Date.now() - 50 * 3_600_000).toISOString() });
		const { lastFrame, stdin, backend } = mount({ runs: [interruptedRun(), older] });
		const frame = await waitForFrame(lastFrame, '2 interrupted runs hold containers on this engine: recover them first.');
		expect(frame).toMatch(/› .*\(3 h ago\) +ops@build-host \(pid 4242\) +app-1/);
		expect(frame).toMatch(/ {2}.*\(2 d ago\) +dana@ops-2 \(pid 17\) +scanner/);
		await tick();
		await press(stdin, DOWN);
		await waitForFrame(lastFrame, 'Run 20261120T090000Z-17');
		await press(stdin, 'r', 'y', ENTER);
		await waitForFrame(lastFrame, 'exit code 0');
		expect(backend.calls.recover.map((call) => call.runId)).toEqual(['20261120T090000Z-17']);
	});

	it('ignores q and ctrl-c during the recovery, saying why', async () => {
		const hold = deferred<void>();
		const { lastFrame, stdin, onExit } = mount({ recover: heldRecover(hold.promise) });
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, 'r', 'y', ENTER);
		await waitForFrame(lastFrame, 'Recovering run');
		await press(stdin, CTRL_C);
		await waitForFrame(lastFrame, 'A recovery runs to its end');
		await press(stdin, 'q');
		expect(onExit).not.toHaveBeenCalled();
		hold.resolve();
		await waitForFrame(lastFrame, 'exit code 0');
	});

	it('a signal before the recovery quits with 2; during it, the recovery finishes and the wizard exits with its code', async () => {
		const before = new AbortController();
		const first = mount({}, { ...NO_PRESELECT, interrupt: before.signal });
		await waitForFrame(first.lastFrame, '[2 Recovery]');
		before.abort('SIGTERM');
		await tick();
		expect(first.onExit).toHaveBeenCalledWith(2);
		first.unmount();

		const during = new AbortController();
		const hold = deferred<void>();
		const second = mount({ recover: heldRecover(hold.promise) }, { ...NO_PRESELECT, interrupt: during.signal });
		await waitForFrame(second.lastFrame, '[2 Recovery]');
		await tick();
		await press(second.stdin, 'r', 'y', ENTER);
		await waitForFrame(second.lastFrame, 'Recovering run');
		during.abort('SIGHUP');
		await waitForFrame(second.lastFrame, 'Signal received: the recovery runs to its end, then the wizard exits.');
		expect(second.onExit).not.toHaveBeenCalled();
		expect(second.backend.calls.recover[0]!.signal.aborted).toBe(false);
		hold.resolve();
		await vi.waitFor(() => expect(second.onExit).toHaveBeenCalledWith(0));
	});

	it('shows every detail on d, scrollable, and the recovery keys on ?', async () => {
		const long = interruptedRun({
			stateNow: Array.from({ length: 8 }, (_, index) => `app-${index}: old container: app-${index}-old (a1a1a1a1a1a${index}) image registry.local:5000/acme/app:1.6.0, exited`),
			steps: Array.from({ length: 12 }, (_, index) => `step number ${index + 1} of the recovery`),
			containers: Array.from({ length: 8 }, (_, index) => `app-${index}`),
		});
		const { lastFrame, stdin } = mount({ runs: [long] });
		const fitted = await waitForFrame(lastFrame, '[2 Recovery]');
		expect(fitted).toMatch(/… \d+ more · d shows all/);
		expect(fitted.split('\n').length).toBeLessThan(24);
		await tick();
		await press(stdin, 'd');
		await waitForFrame(lastFrame, '↓');
		for (let index = 0; index < 30; index++) await press(stdin, 'j');
		const bottom = await waitForFrame(lastFrame, 'journal: /state/upgrade-wizard/runs/');
		expect(bottom).toContain('12. step number 12 of the recovery');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, 'd shows all');
		await press(stdin, '?');
		const help = await waitForFrame(lastFrame, 'Keys on this screen');
		expect(help).toContain('recover the chosen run: asks once, y then enter');
		expect(help).toContain('skip to the containers');
	});

	it('says when the runs cannot be read, retries on r and can skip to the containers', async () => {
		let attempts = 0;
		const { lastFrame, stdin } = mount({
			interruptedRuns: async () => {
				attempts++;
				throw new Error('the journal /state/runs/x.json is damaged');
			},
		});
		const frame = await waitForFrame(lastFrame, 'Could not read the journals of earlier runs.');
		expect(frame).toContain('is damaged');
		expect(frame).toContain('r retry · s skip to the containers · q quit');
		await tick();
		await press(stdin, 'r');
		await vi.waitFor(() => expect(attempts).toBe(2));
		await press(stdin, 's');
		await waitForFrame(lastFrame, '[2 Containers]');
	});
});

describe('upgrade-wizard recover (recover mode)', () => {
	it('opens on the Recovery screen and offers no skip', async () => {
		const { lastFrame, stdin, backend, onExit } = mount({}, RECOVER_MODE);
		const frame = await waitForFrame(lastFrame, 'Run 20261122T140312Z-4242');
		expect(frame).toContain('1 Engine [2 Recovery] 3 Run 4 Summary');
		expect(frame).not.toContain('s skip');
		await tick();
		await press(stdin, 's');
		await tick(50);
		expect(lastFrame()).toContain('[2 Recovery]');
		expect(backend.calls.listContainers).toBe(0);
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(2);
	});

	it('says there is nothing to recover and exits 0 on a key', async () => {
		const { lastFrame, stdin, onExit } = mount({ runs: [] }, RECOVER_MODE);
		const frame = await waitForFrame(lastFrame, 'Nothing to recover on unix:///var/run/docker.sock: no interrupted run.');
		expect(frame).toContain('enter or q exit (code 0)');
		await tick();
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(0);
	});

	it('recover RUN_ID offers that run only, and names it when it is not interrupted', async () => {
		const older = interruptedRun({ runId: '20261120T090000Z-17', containers: ['scanner'] });
		const only = mount({ runs: [interruptedRun(), older] }, { ...RECOVER_MODE, runId: '20261120T090000Z-17' });
		const frame = await waitForFrame(only.lastFrame, 'Run 20261120T090000Z-17');
		expect(frame).toContain('An interrupted run holds containers');
		expect(frame).not.toContain('20261122T140312Z-4242');
		only.unmount();

		const missing = mount({}, { ...RECOVER_MODE, runId: '20990101T000000Z-1' });
		await waitForFrame(missing.lastFrame, 'Nothing to recover: run 20990101T000000Z-1 is not an interrupted run on this engine.');
		await tick();
		await press(missing.stdin, 'q');
		expect(missing.onExit).toHaveBeenCalledWith(0);
	});

	it('recovers and exits with the summary\'s code on enter', async () => {
		const { lastFrame, stdin, onExit } = mount({}, RECOVER_MODE);
		await waitForFrame(lastFrame, '[2 Recovery]');
		await tick();
		await press(stdin, 'r', 'y', ENTER);
		const frame = await waitForFrame(lastFrame, 'enter or q exit (code 0)');
		expect(frame).toContain('Recovery complete');
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(0);
	});

	it('stays inside 80x24 with one line per row, however many runs and steps', async () => {
		const stdout = new SizedStdout(80, 24);
		const stdin = new FakeStdin();
		const runs = Array.from({ length: 7 }, (_, index) =>
			interruptedRun({
				runId: `20261122T14031${index}Z-${4000 + index}`,
				by: `someone-with-a-long-name@a-very-long-host-name.example.com (pid ${4000 + index})`,
				containers: Array.from({ length: 10 }, (_, unit) => `registry-node-${unit}`),
				stateNow: Array.from({ length: 10 }, (_, unit) => `registry-node-${unit}: old container: ${'x'.repeat(120)}`),
				steps: Array.from({ length: 20 }, (_, step) => `step ${step} ${'y'.repeat(100)}`),
			}),
		);
		const backend = fakeBackend({ interruptedRuns: async () => runs });
		const instance = inkRender(<WizardApp backend={backend} options={RECOVER_MODE} onExit={() => undefined} />, {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		});
		try {
			for (const keys of [[], ['j', 'j'], ['d'], ['j'], ['d'], ['r']]) {
				for (const key of keys) {
					await tick(20);
					stdin.write(key);
				}
				await tick(100);
				const frame = await waitForFrame(stdout.lastFrame, '[2 Recovery]');
				const live = liveFrame(frame);
				expect(live.split('\n').length).toBeLessThan(24);
				for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
			}
		} finally {
			instance.unmount();
			instance.cleanup();
		}
	});
});

describe('a recovery\'s summary lines', () => {
	it('shows tags of one repository as versions, and says how to go on after an incomplete recovery', () => {
		const lines = summaryLines(
			{ kind: 'summary', summary: { ...INCOMPLETE, containers: [{ ...INCOMPLETE.containers[0]!, from: '127.0.0.1:5000/acme/app:1.6.0', to: '127.0.0.1:5000/acme/app:1.6.1' }] } },
			'recover',
		).map((line) => line.text);
		expect(lines).toContain('app-1  1.6.0 → 1.6.1  ROLLBACK INCOMPLETE');
		expect(lines.join('\n')).toContain('recover the run again (it stays listed)');
		const other = summaryLines({ kind: 'summary', summary: { runId: 'r', exitCode: 0, containers: [{ ...RECOVERED, from: 'a/app:1', to: 'b/app:2' }] } }, 'recover');
		expect(other.map((line) => line.text)).toContain('app-1  a/app:1 → b/app:2  rolled back');
	});
});
