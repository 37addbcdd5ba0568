import { describe, expect, it } from 'vitest';
import type { UnitRecord } from '../../source/core/journal/journal.js';
import { undoCommand, undoLabel, undoPhaseOf } from '../../source/targets/container/undo.js';

// The dependents' undos must never share a label with the provider's (two
// undos with one label run once), and run in the phase that keeps the order
// right: new dependents gone and names back (detach) before anything starts
// again (revive), where the old provider's start is newer than theirs.

const record = { name: 'app', parkedName: 'app-old', oldId: 'a'.repeat(64), actions: [] } as unknown as UnitRecord;
const startProvider = { kind: 'start-container', containerId: 'a'.repeat(64) };
const startSide = { kind: 'start-dependent', containerId: 's'.repeat(64), name: 'side' };
const unpark = { kind: 'unpark-dependent', containerId: 's'.repeat(64), to: 'side', parked: 'side-old' };
const removeNew = { kind: 'remove-dependent', name: 'side', image: 'r/side:1', keep: 's'.repeat(64), containerId: 'n'.repeat(64) };

describe('the undos of a namespace dependent', () => {
	it('have labels of their own', () => {
		const labels = [startProvider, startSide, unpark, removeNew].map((undo) => undoLabel(record, undo));
		expect(new Set(labels).size).toBe(4);
		expect(labels).toEqual([
			'start the old app',
			`start the old side (${'s'.repeat(12)}) in the old app's namespace`,
			'rename side-old back to side',
			'remove the new side',
		]);
	});
	it('detach first, revive after', () => {
		expect([startProvider, startSide, unpark, removeNew].map(undoPhaseOf)).toEqual(['revive', 'revive', 'detach', 'detach']);
	});
	it('hand over as docker commands', () => {
		expect([startSide, unpark, removeNew].map((undo) => undoCommand(record, undo))).toEqual([
			`docker start ${'s'.repeat(12)}`,
			'docker rename side-old side',
			`docker rm -f ${'n'.repeat(12)}`,
		]);
	});
});
