import type { Plan } from '../core/plan/plan.js';
import { describeChecks } from '../core/plan/checks.js';
import { describeOneOff, oneOffName } from '../targets/one-off-command.js';
import type { PlannedUnit } from './upgrade-session.js';
import { serverStepWords } from '../targets/postgres-server/describe.js';
import { formatBytes } from '../text/format.js';
import { dumpCommand } from '../core/plan/database.js';
import { recreateWords } from '../targets/container/describe.js';

// A unit's steps in words, in order, for the plan screen: the same steps the
// executor runs (and --dry-run describes), the one-off and the post-upgrade
// checks included where the unit has them.

function oneOffStep(unit: PlannedUnit, plan: Plan<PlannedUnit>): string[] {
	if (unit.kind === 'swarm-service' || !unit.migrateFirst) return [];
	const first = plan.units.find((each) => each.kind !== 'swarm-service' && each.migrateFirst) === unit;
	if (!first) return ['(the one-off migration ran before the first of the hop)'];
	const how = unit.kind === 'compose' ? `compose run --rm ${unit.service} as ${oneOffName(unit)}` : `a one-off ${oneOffName(unit)} of the new image`;
	return [`the one-off migration in ${how}: ${describeOneOff(unit.migrateFirst)} (must exit 0)`];
}

export function stepWords(unit: PlannedUnit, plan: Plan<PlannedUnit>, backup: string | undefined): string[] {
	if (unit.kind === 'postgres-server') return serverStepWords(unit);
	if (unit.kind === 'swarm-service') {
		const backupStep = backup ? [`back up ${backup} (verified)`] : [];
		return ['pull the new image on the manager', ...backupStep, `update service ${unit.service} to ${unit.pinned}`, `follow the engine's rolling update (monitor ${Math.round(unit.monitorNs / 1e9)} s per task) until it reports completed`];
	}
	const checks = unit.profile.checks ? [describeChecks(unit.profile.checks)] : [];
	// An offline backup (--offline-backup, or a database inside the app) is taken after the stop.
	const offline = Boolean(backup && plan.database?.offline);
	const backupStep = backup ? [`back up ${backup} (verified${offline ? ', with the app stopped' : ''})`] : [];
	const stop = unit.kind === 'compose' ? (unit.composeDown ? `stop every service of project ${unit.project.name}` : `stop service ${unit.service}`) : `stop ${unit.name}`;
	const first = ['pull the new image', ...(offline ? [stop, ...backupStep] : backupStep)];
	const thenStop = offline ? [] : [stop];
	if (unit.kind === 'compose') {
		return [
			...first,
			`write the new tag into ${[...new Set(unit.edits.map((edit) => edit.path))].join(', ') || 'the files (already there)'}, copies kept`,
			...thenStop,
			...oneOffStep(unit, plan),
			unit.composeDown ? `up -d project ${unit.project.name}` : `up -d --no-deps ${unit.service}`,
			"health gate and Compose's config hash",
			...checks,
		];
	}
	const dependents = unit.kind === 'container' ? unit.dependents : [];
	// A plain container's new one is created before the stop (staged) unless it pins an address.
	const staged = unit.kind === 'container' ? unit.stagedName : undefined;
	const late = unit.kind === 'container' && unit.lateCreate ? ` (created after the stop: ${unit.lateCreate})` : '';
	return [
		...first,
		...(staged ? [`create the new ${unit.name} as ${staged} while the old one serves`] : []),
		...dependents.map((dependent) => `stop ${dependent.name} (uses its network namespace or link; stop timeout ${dependent.stopTimeoutS} s)`),
		...thenStop,
		staged ? `rename it ${unit.parkedName}, and ${staged} to ${unit.name}` : `rename it ${unit.parkedName}`,
		...oneOffStep(unit, plan),
		staged ? `start the new ${unit.name}` : `create and start the new ${unit.name}${late}`,
		'health gate',
		...checks,
		...dependents.map((dependent) => recreateWords(dependent, unit.name)),
		`remove ${[unit.parkedName, ...dependents.map((dependent) => dependent.parkedName)].join(', ')}`,
	];
}

/** What the unit stops, in words, with its stop timeout. */
export function stopWords(unit: PlannedUnit): string {
	if (unit.kind === 'swarm-service') return `nothing by hand: the engine replaces the tasks of ${unit.service} one by one`;
	if (unit.kind === 'compose') return `service ${unit.service}: ${unit.containers.map((replica) => replica.name).join(', ')} (stop timeout ${unit.stopTimeoutS} s)`;
	if (unit.kind === 'postgres-server') {
		const apps = unit.dependents.map((dependent) => `${dependent.name} (${dependent.stopTimeoutS} s)`);
		return `${apps.length > 0 ? `${apps.join(', ')} first, then ` : ''}${unit.name} (stop timeout ${unit.stopTimeoutS} s)`;
	}
	const dependents = unit.kind === 'container' ? unit.dependents.map((dependent) => `${dependent.name} (${dependent.stopTimeoutS} s)`) : [];
	return `${dependents.length > 0 ? `${dependents.join(', ')} first, then ` : ''}${unit.name} (stop timeout ${unit.stopTimeoutS} s)`;
}

/** The backup line of the plan screen: the app's database, the server's own, or none and why. */
export function backupWords(unit: PlannedUnit, plan: Plan<PlannedUnit>): string {
	if (unit.kind === 'postgres-server') return `roles and every database of ${unit.name} (pg_dumpall --globals-only, pg_dump -Fc each, verified) -> ${unit.backupDir}`;
	const database = plan.database;
	return database
		? `${database.display} -> ${database.backupDir} (${formatBytes(database.sizeBytes)} database, ${formatBytes(database.freeBytes)} free${database.dumpFormat ? `, ${dumpCommand(database)}` : ''})`
		: `NONE (${plan.backupSkippedBy ?? '--skip-backup'})`;
}
