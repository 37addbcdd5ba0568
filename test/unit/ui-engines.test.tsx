import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { ContainerRow, EngineInfo, PlanPreview } from '../../source/core/wizard-backend.js';
import { WizardApp, type WizardOptions } from '../../source/ui/app.js';
import { planLines } from '../../source/ui/screens/plan-screen.js';
import { CONTAINERS, DOWN, ENTER, NO_PRESELECT, fakeBackend, forever, press, previewFor, tick, waitForFrame, type FakeOptions } from './ui-support.js';

// The wizard over several engines (issue 13): the Engine screen lists each,
// says which one did not answer; the Containers screen groups by engine in
// the order given, ticks across engines (one name on two engines included:
// the usual cluster); the choice goes to the backend with each container's
// engine, in the engines' order. A fake backend: unit tests.

vi.setConfig({ testTimeout: 20_000 });

afterEach(() => {
	cleanup();
});

const NODE_A: EngineInfo = { name: 'node-a', endpoint: 'unix:///run/node-a.sock', engineVersion: '26.1.5', apiVersion: '1.45' };
const NODE_B: EngineInfo = { name: 'ssh://ops@node-b', endpoint: 'ssh://ops@node-b', engineVersion: '24.0.9', apiVersion: '1.43' };
/** As the backend's connect() answers for `--context node-a --host ssh://ops@node-b`. */
const CLUSTER: EngineInfo = { ...NODE_A, engines: [NODE_A, NODE_B] };

const on = (engine: EngineInfo, name: string, rename?: string): ContainerRow => ({ ...CONTAINERS.find((row) => row.name === name)!, engine: engine.name!, ...(rename ? { name: rename } : {}) });
// The backend lists engine after engine in the order given: node-b was given second, its rows come last.
const ROWS: ContainerRow[] = [on(NODE_A, 'app-1'), on(NODE_A, 'db'), on(NODE_B, 'app-2'), on(NODE_B, 'app-1')];

function mount(options: FakeOptions = {}, wizardOptions: WizardOptions = NO_PRESELECT) {
	const backend = fakeBackend({ connect: async () => CLUSTER, listContainers: async () => ROWS, ...options });
	const onExit = vi.fn();
	const app = render(<WizardApp backend={backend} options={wizardOptions} onExit={onExit} />);
	return { ...app, backend, onExit };
}

const linesOf = (frame: string) => frame.split('\n');
/** Index of the line that holds `text`; -1 when none does. */
const lineIndex = (frame: string, text: string | RegExp) => linesOf(frame).findIndex((line) => (typeof text === 'string' ? line.includes(text) : text.test(line)));

describe('the Engine screen over several engines', () => {
	it('lists each engine with its name, endpoint and version, and the header names them all', async () => {
		// Interrupted runs still being looked for: the Engine screen stays.
		const { lastFrame } = mount({ interruptedRuns: () => forever() });
		const frame = await waitForFrame(lastFrame, 'Connected to 2 engines');
		expect(frame).toMatch(/node-a\s+unix:\/\/\/run\/node-a\.sock\s+Docker 26\.1\.5 · API 1\.45/);
		// Named by its endpoint: the endpoint is not said twice.
		expect(frame).toMatch(/ssh:\/\/ops@node-b\s+Docker 24\.0\.9 · API 1\.43/);
		expect(frame).toContain('2 engines: node-a, ssh://ops@node-b');
		expect(lineIndex(frame, 'node-a  ')).toBeLessThan(lineIndex(frame, /^\s+ssh:\/\/ops@node-b/));
	});

	it('says which engine did not answer, that nothing was touched, and tries again on r', async () => {
		let attempts = 0;
		const { lastFrame, stdin } = mount({
			connect: async () => {
				attempts++;
				if (attempts > 1) return CLUSTER;
				throw Object.assign(
					new Error('cannot reach the Docker engine at ssh://ops@node-b (ECONNREFUSED), named by --host; start dockerd or point --host, --context or DOCKER_HOST at a running engine (nothing was touched on any engine)'),
					{ kind: 'engine-unreachable', engine: 'ssh://ops@node-b' },
				);
			},
		});
		const frame = await waitForFrame(lastFrame, 'did not answer');
		expect(frame).toContain('The Docker engine ssh://ops@node-b did not answer.');
		expect(frame).toContain('nothing was touched on any engine');
		expect(frame).not.toContain('No Docker engine answered');
		await tick();
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'engine ssh://ops@node-b (2)');
		expect(attempts).toBe(2);
	});
});

describe('the Containers screen over several engines', () => {
	it('groups the rows under a heading per engine, in the order the engines were given, repositories under each', async () => {
		const { lastFrame } = mount();
		const frame = await waitForFrame(lastFrame, '] app-2');
		const a = lineIndex(frame, /^engine node-a \(2\)/);
		const b = lineIndex(frame, /^engine ssh:\/\/ops@node-b \(2\)/);
		expect(a).toBeGreaterThan(0);
		// Given order, not alphabetical ("node-a" < "ssh://" either way: the rows decide, see below).
		expect(b).toBeGreaterThan(a);
		const rowsOf = (from: number, to: number) => linesOf(frame).slice(from, to).join('\n');
		expect(rowsOf(a, b)).toMatch(/postgres \(1\)[\s\S]*\] db[\s\S]*acme\/app \(1\)[\s\S]*\] app-1/);
		expect(rowsOf(b, linesOf(frame).length)).toMatch(/acme\/app \(2\)[\s\S]*\] app-1[\s\S]*\] app-2/);
		expect(frame).toContain('0 of 4 ticked · 2 engines');
		expect(frame).not.toContain('ENGINE');

		// An engine given first lists first, whatever its name.
		cleanup();
		const reversed = mount({ listContainers: async () => [...ROWS.slice(2), ...ROWS.slice(0, 2)] });
		const second = await waitForFrame(reversed.lastFrame, '] app-2');
		expect(lineIndex(second, /^engine ssh:\/\/ops@node-b/)).toBeLessThan(lineIndex(second, /^engine node-a/));
	});

	it('ticks across engines and hands the backend each container with its engine, in the engines\' order', async () => {
		const { lastFrame, stdin, backend } = mount();
		await waitForFrame(lastFrame, '] app-2');
		await tick();
		// The cursor starts on node-a's first row (db), then app-1 (node-a), app-1 (node-b), app-2 (node-b).
		await press(stdin, 'j', ' ', 'j', 'j', ' ');
		const frame = await waitForFrame(lastFrame, '2 of 4 ticked');
		expect(frame).toMatch(/\[x\] app-1/);
		expect(frame).toMatch(/\[x\] app-2/);
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'MINOR');
		expect(backend.calls.chosen).toEqual([
			[
				{ name: 'app-1', engine: 'node-a' },
				{ name: 'app-2', engine: 'ssh://ops@node-b' },
			],
		]);
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'The plan');
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, /Summary\]|Back up|Acknowledge|schema/i);
		expect(backend.calls.run[0]!.chosen).toEqual([
			{ name: 'app-1', engine: 'node-a' },
			{ name: 'app-2', engine: 'ssh://ops@node-b' },
		]);
	});

	it('goes on with one name ticked on two engines (the usual cluster): both rows ticked, both chosen with their engines', async () => {
		// --container app-1 applies on every engine, as with --yes: both are ticked.
		const { lastFrame, stdin, backend } = mount({}, { preselect: { containers: ['app-1'], labels: [] } });
		const ticked = await waitForFrame(lastFrame, '2 of 4 ticked');
		const a = lineIndex(ticked, /^engine node-a/);
		const b = lineIndex(ticked, /^engine ssh:\/\/ops@node-b/);
		const rows = linesOf(ticked).flatMap((line, index) => (/\[x\] app-1\b/.test(line) ? [index] : []));
		// One ticked app-1 under each engine's heading.
		expect(rows).toHaveLength(2);
		expect(rows[0]!).toBeGreaterThan(a);
		expect(rows[0]!).toBeLessThan(b);
		expect(rows[1]!).toBeGreaterThan(b);
		await tick();
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'MINOR');
		expect(lastFrame()).not.toMatch(/selected on .* and on/);
		expect(backend.calls.chosen).toEqual([
			[
				{ name: 'app-1', engine: 'node-a' },
				{ name: 'app-1', engine: 'ssh://ops@node-b' },
			],
		]);
	});

	it('filters by the engine\'s name too', async () => {
		const { lastFrame, stdin } = mount();
		await waitForFrame(lastFrame, '] app-2');
		await tick();
		await press(stdin, '/', 'n', 'o', 'd', 'e', '-', 'b');
		const frame = await waitForFrame(lastFrame, 'filter: node-b');
		expect(frame).not.toMatch(/\] db\b/);
		expect(frame).toMatch(/\] app-2/);
		expect(frame).not.toContain('engine node-a');
	});

	it('comes back from the version with the same rows ticked on the same engines (esc)', async () => {
		const { lastFrame, stdin } = mount();
		await waitForFrame(lastFrame, '] app-2');
		await tick();
		await press(stdin, DOWN, DOWN, ' ', ENTER);
		await waitForFrame(lastFrame, 'MINOR');
		await press(stdin, '\u001B');
		const frame = await waitForFrame(lastFrame, '1 of 4 ticked');
		const b = lineIndex(frame, /^engine ssh:\/\/ops@node-b/);
		const ticked = lineIndex(frame, /\[x\] app-1/);
		expect(ticked).toBeGreaterThan(b);
	});
});

describe('the plan over several engines', () => {
	it('says on which engine each container is, and how many engines', async () => {
		const preview: PlanPreview = previewFor(['app-1', 'app-2'], '1.7.0');
		preview.containers[0]!.engine = 'node-a';
		preview.containers[1]!.engine = 'ssh://ops@node-b';
		const titles = planLines(preview).filter((line) => line.tone === 'title').map((line) => line.text);
		expect(titles).toEqual(expect.arrayContaining(['app-1 on node-a  1.6.0 → 1.7.0', 'app-2 on ssh://ops@node-b  1.6.0 → 1.7.0']));
		// One engine: the lines stay as they were.
		const single = previewFor(['app-1'], '1.7.0');
		single.containers[0]!.engine = 'node-a';
		expect(planLines(single).find((line) => line.tone === 'title')!.text).toBe('app-1  1.6.0 → 1.7.0');

		const { lastFrame, stdin } = mount({ preview: async () => preview });
		await waitForFrame(lastFrame, '] app-2');
		await tick();
		await press(stdin, DOWN, ' ', DOWN, DOWN, ' ', ENTER);
		await waitForFrame(lastFrame, 'MINOR');
		await tick();
		await press(stdin, ENTER);
		const frame = await waitForFrame(lastFrame, 'The plan');
		expect(frame).toContain('The plan: 2 containers on 2 engines to 1.7.0');
		expect(frame).toContain('app-1 on node-a');
	});
});
