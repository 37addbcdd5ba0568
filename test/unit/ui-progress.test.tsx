import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render as inkRender } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { createRunStore, type RunStore } from '../../source/core/run-state.js';
import type { TimedEvent } from '../../source/core/events.js';
import { ChromeContext, type Chrome } from '../../source/ui/chrome.js';
import { createGateDesk } from '../../source/ui/gate-desk.js';
import { RunStateProvider } from '../../source/ui/run-context.js';
import { RunHistory } from '../../source/ui/run-history.js';
import { RunScreen } from '../../source/ui/screens/run-screen.js';
import { TickProvider, createTicker } from '../../source/ui/ticker.js';
import { ENGINE, FakeStdin, SizedStdout, liveFrame, press, previewFor, recordedRollback, recordedUpgrade, tick, waitForFrame } from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// The live progress screen fed by a recorded event sequence: steps, the pull
// bar with bytes and rate, the log tail, health, downtime; and the frame kept
// inside 80x24. The running figures read the ticker's clock, fixed here at NOW:
// they are exact, however long a loaded machine takes to get to each frame.

const NOW = Date.UTC(2026, 11, 3, 9, 0, 0);
const fixedClock = () => NOW;

const CHROME: Chrome = { stage: 'Run', engine: ENGINE, helpOpen: false, setHelpOpen: () => undefined };

function Progress({ store, tickMs, clock = fixedClock }: { store: RunStore; tickMs?: number; clock?: () => number }) {
	return (
		<TickProvider ticker={createTicker(tickMs, clock)}>
			<ChromeContext.Provider value={CHROME}>
				<RunStateProvider store={store}>
					<RunHistory />
					<RunScreen
						desk={createGateDesk()}
						plans={previewFor(['app-1'], '1.7.0').containers}
						tag="1.7.0"
						abortOpen={false}
						onInterrupt={() => undefined}
						onAbortChoice={() => undefined}
					/>
				</RunStateProvider>
			</ChromeContext.Provider>
		</TickProvider>
	);
}

/** Feed events up to and including the first one matching. */
function feedUntil(store: RunStore, events: TimedEvent[], predicate: (event: TimedEvent) => boolean): TimedEvent[] {
	const index = events.findIndex(predicate);
	for (const event of events.slice(0, index + 1)) store.dispatch(event);
	return events.slice(index + 1);
}

afterEach(() => {
	cleanup();
});

describe('progress screen', () => {
	it('shows the pull as one bar with bytes, rate and layers, then the swap steps', async () => {
		const store = createRunStore();
		// The run started (t0 + 10 ms) 10.31 s before NOW.
		const t0 = NOW - 10_320;
		let events = recordedUpgrade(t0);
		let now = NOW;
		const { lastFrame, stdin } = render(<Progress store={store} clock={() => now} />);

		const progress = events.filter((event) => event.type === 'progress');
		events = feedUntil(store, events, (event) => event === progress[3]);
		let frame = await waitForFrame(lastFrame, '/s');
		// 30 MB downloaded and 10 MB extracted of a 30 MB image: 20 of 30 MB shown.
		expect(frame).toContain('Upgrading to 1.7.0');
		expect(frame).toContain('app-1  1.6.0 → 1.7.0');
		// The pull started at t0 + 50 ms.
		expect(frame).toMatch(/pull\s+10\.3 s\s+registry\.local:5000\/acme\/app:1\.7\.0/);
		// From the event stamps, 250 ms apart: 16, 20 and 40 MB/s, smoothed to 24 MB/s.
		expect(frame).toMatch(/█+░+\s+66% 20 MB \/ 30 MB · 24 MB\/s · 0\/2 layers/);
		expect(frame).toMatch(/· stop/);
		expect(frame).not.toContain('aaaaaaaaaaaa');

		// l opens the per-layer detail, and closes it again.
		await tick();
		await press(stdin, 'l');
		frame = await waitForFrame(lastFrame, 'aaaaaaaaaaaa');
		expect(frame).toMatch(/aaaaaaaaaaaa\s+Extracting\s+15 MB \/ 20 MB/);
		expect(frame).toMatch(/bbbbbbbbbbbb\s+Download complete\s+5\.0 MB \/ 10 MB/);
		await press(stdin, 'l');
		await waitForFrame(lastFrame, (text) => !text.includes('aaaaaaaaaaaa'));

		events = feedUntil(store, events, (event) => event.type === 'step-started' && event.step === 'health');
		frame = await waitForFrame(lastFrame, /✔ pull\s+1\.5 s/);
		expect(frame).toMatch(/✔ stop\s+400 ms/);
		expect(frame).toMatch(/✔ start\s+280 ms/);
		// Health started at t0 + 2080 ms.
		expect(frame).toMatch(/health\s+8\.2 s\s+Docker healthcheck/);
		expect(frame).toMatch(/· remove-old/);
		expect(frame).toContain('pull done in 1.5 s');
		// Stop was issued 8.32 s before NOW: downtime is running.
		expect(frame).toContain('down 0:08');
		expect(frame).toContain('elapsed 0:10');
		// A second later the running figures move on, at the next tick.
		now += 1_000;
		frame = await waitForFrame(lastFrame, 'down 0:09');
		expect(frame).toContain('elapsed 0:11');
		expect(frame).toMatch(/health\s+9\.2 s\s+Docker healthcheck/);
	});

	it('shows the new container\'s log tail and health while it starts, finished lines above', async () => {
		const store = createRunStore();
		let events = recordedUpgrade(NOW - 10_320);
		const { lastFrame } = render(<Progress store={store} />);
		events = feedUntil(store, events, (event) => event.type === 'log' && event.line === 'ready');
		const frame = await waitForFrame(lastFrame, '│ ready');
		const live = liveFrame(frame);
		expect(live).toMatch(/health\s+8\.2 s\s+starting · Docker healthcheck: starting/);
		expect(live).toContain('down 0:08');
		expect(live).toContain('│ migration 0007_audit_log: running');
		// Eight lines live; the two before them went up into the history.
		expect(live).not.toContain('│ starting acme-app 1.7.0');
		expect(frame).toContain('app-1 │ starting acme-app 1.7.0');
		expect(live.split('\n').length).toBeLessThan(24);

		feedUntil(store, events, (event) => event.type === 'step-done' && event.step === 'health');
		const healthy = await waitForFrame(lastFrame, /✔ health/);
		expect(liveFrame(healthy)).toContain('downtime 3.2 s');
		expect(liveFrame(healthy)).not.toContain('│ ready');
		expect(healthy).toContain('app-1 │ ready');
		// Every log line reached the history once.
		expect(healthy.match(/app-1 │ ready/g)).toHaveLength(1);
	});

	it('shows a backup step with its byte counter when the executor reports one', async () => {
		const store = createRunStore();
		const { lastFrame } = render(<Progress store={store} />);
		const at = NOW - 1_240;
		for (const event of [
			{ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at },
			{ type: 'step-started', container: 'app-1', step: 'backup', detail: 'pg_dump app@db:5432', at },
			{ type: 'progress', container: 'app-1', step: 'backup', bytes: 12 * 1024 * 1024, elapsedMs: 800, at },
		] as TimedEvent[]) {
			store.dispatch(event);
		}
		const frame = await waitForFrame(lastFrame, '12 MB written');
		expect(frame).toMatch(/backup\s+1\.2 s\s+12 MB written/);
		expect(frame).toContain('elapsed 0:01');
		expect(frame.indexOf('backup')).toBeLessThan(frame.indexOf('pull'));
	});

	it('shows a failure and the rollback with each of its steps', async () => {
		const store = createRunStore();
		const events = recordedRollback(NOW - 20_000);
		const { lastFrame } = render(<Progress store={store} />);
		feedUntil(store, events, (event) => event.type === 'rollback-step' && event.action.startsWith('rename'));
		let frame = await waitForFrame(lastFrame, 'Rolling back');
		const live = liveFrame(frame);
		expect(live).toMatch(/✖ health/);
		expect(live).toContain('failed at health: the new app-1 did not become healthy');
		expect(live).toContain('rolling back: the new app-1 did not become healthy');
		expect(live).toContain('✔ remove the new app-1');
		expect(live).toContain('✔ rename app-1-old back to app-1');

		feedUntil(store, events, (event) => event.type === 'run-done');
		frame = await waitForFrame(lastFrame, 'Finished');
		expect(liveFrame(frame)).toMatch(/↺ stop\s+400 ms\s+rolled back/);
		expect(liveFrame(frame)).toContain('rolled back: the new app-1');
		expect(frame).toContain('rollback complete');
	});

	it('redraws once per store notification, however many components show the run', async () => {
		const store = createRunStore();
		const events = recordedUpgrade(NOW - 10_000);
		// A ticker that never ticks during the test: only the store causes redraws.
		const { frames, lastFrame } = render(<Progress store={store} tickMs={60_000} />);
		const rest = feedUntil(store, events, (event) => event.type === 'log');
		await waitForFrame(lastFrame, '│ starting');
		await tick(120);
		const before = frames.length;
		// Past the throttle interval, one event notifies at once: exactly one commit.
		store.dispatch(rest[0]!);
		await tick(30);
		expect(frames.length - before).toBe(1);
		expect(lastFrame()).toContain(`│ ${(rest[0] as { line: string }).line}`);
	});

	it('stays inside 80x24 with one line per row, however long the lines', async () => {
		const stdout = new SizedStdout(80, 24);
		const stdin = new FakeStdin();
		const store = createRunStore();
		const events = recordedUpgrade(NOW - 10_000).map((event) =>
			event.type === 'log' ? { ...event, line: `${event.line} ${'x'.repeat(200)}` } : event,
		);
		const instance = inkRender(<Progress store={store} />, {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		});
		try {
			feedUntil(store, events, (event) => event.type === 'log' && event.line.startsWith('ready'));
			const frame = await waitForFrame(stdout.lastFrame, '│ ready');
			const live = liveFrame(frame);
			expect(live.split('\n').length).toBeLessThan(24);
			for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		} finally {
			instance.unmount();
			instance.cleanup();
		}
	});
});
