import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import { describeChecks } from '../../core/plan/checks.js';
import { describeOneOff, oneOffName } from '../one-off-command.js';
import type { ComposeUnit } from './unit.js';
import type { FileEdit } from './types.js';

// A Compose service's lines of the plan, with the diff of each file the edit
// changes (what --dry-run shows before anything is written).

const CONTEXT = 1;

/** The changed lines of one edit, with a line of context, in unified-diff style. */
export function editDiff(edit: FileEdit): string[] {
	const before = (edit.before ?? '').split('\n');
	const after = edit.after.split('\n');
	let head = 0;
	while (head < before.length && head < after.length && before[head] === after[head]) head++;
	let tail = 0;
	while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
	const from = Math.max(0, head - CONTEXT);
	const lines = [`--- ${edit.path}${edit.before === undefined ? ' (new file)' : ''}`, `+++ ${edit.path}`, `@@ line ${head + 1} @@`];
	for (const line of before.slice(from, head)) lines.push(` ${line}`);
	for (const line of before.slice(head, before.length - tail)) lines.push(`-${line}`);
	for (const line of after.slice(head, after.length - tail)) lines.push(`+${line}`);
	// The '' after a final newline is not a line of the file.
	const end = after.at(-1) === '' ? after.length - 1 : after.length;
	for (const line of after.slice(after.length - tail, Math.min(end, after.length - tail + CONTEXT))) lines.push(` ${line}`);
	return lines;
}

/** --migrate-first: where the one-off runs, once per hop (the first service of a cluster). */
function oneOffLines(unit: ComposeUnit, plan: Plan<ComposeUnit>): string[] {
	if (!unit.migrateFirst) return [];
	if (plan.units.find((each) => each.migrateFirst) !== unit) return ['   the one-off migration ran before the first service of the hop'];
	const flags = unit.composeDown ? '--rm' : '--rm --no-deps';
	return [
		`   after the stop, before up -d: the one-off migration, compose run ${flags} ${unit.service} as ${oneOffName(unit)} on the new tag (no ports): ${describeOneOff(unit.migrateFirst)}; must exit 0`,
	];
}

export function describeService(unit: ComposeUnit, plan: Plan<ComposeUnit>): string[] {
	const cli = unit.cli.flavor === 'v2' ? 'docker compose' : 'docker-compose';
	const names = unit.containers.map((container) => container.name).join(', ');
	const lines = [
		`   Compose project ${unit.project.name}, service ${unit.service} (${names}), through ${cli} ${unit.cli.version}`,
		`   files: ${unit.project.files.join(', ')}; copies of what changes go to the backup dir first`,
	];
	if (unit.edits.length === 0) lines.push('   the files already name the target (an earlier service of this run shares the tag)');
	for (const edit of unit.edits) lines.push(...editDiff(edit).map((line) => `   ${line}`));
	lines.push(
		unit.composeDown
			? `   stop the whole project ${unit.project.name} (timeout ${unit.stopTimeoutS} s; --compose-down), then up -d the project`
			: `   stop ${unit.service} (timeout ${unit.stopTimeoutS} s), then up -d --no-deps ${unit.service}`,
	);
	lines.push(...oneOffLines(unit, plan));
	lines.push(`   ${describeHealth(unit.health, 'each new container')}, then Compose's config hash must match`);
	if (unit.profile.checks) lines.push(`   ${describeChecks(unit.profile.checks)}${unit.containers.length > 1 ? ', on each new container' : ''}`);
	const oneOff = unit.migrateFirst && plan.units.find((each) => each.migrateFirst) === unit ? `${oneOffName(unit)} removed if still there, ` : '';
	lines.push(`   on failure: ${oneOff}the files back from the copies, up -d --no-deps ${unit.service} on the old image (still local)${plan.units.length > 1 ? ', for every service of the hop' : ''}`);
	return lines;
}
