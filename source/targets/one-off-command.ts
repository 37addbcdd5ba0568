import { refuseIf } from '../core/errors.js';
import type { PlanOptions } from '../core/plan/plan.js';
import type { Profile } from '../profiles/profile.js';

// --migrate-first, as data every unit kind shares: whether a unit runs its
// profile's one-off migration before the new version starts, the command, its
// name on the engine and the label that marks it as the wizard's. A plain
// container runs it through the Engine API (container/one-off.ts), a Compose
// service through `compose run` (compose/one-off.ts); the rule that asks for
// it and the refusal when the profile has none are here, once.

export interface OneOffCommand {
	/** Overrides the image's entrypoint when given. */
	entrypoint?: string[];
	command: string[];
}

/** The label on every one-off the wizard starts; its value is the unit's container name. */
export const ONE_OFF_LABEL = 'io.upgrade-wizard.one-off';

/** A fixed name, so an undo (or an operator) finds the one-off again without its ID. */
export function oneOffName(unit: { name: string }): string {
	return `${unit.name}-migrate`;
}

export function describeOneOff(run: OneOffCommand): string {
	return [...(run.entrypoint ?? []), ...run.command].join(' ');
}

/** The one-off migration this unit runs first, if --migrate-first or its profile asks for one. */
export function oneOffFor(name: string, profile: Profile, options: Pick<PlanOptions, 'migrateFirst'>): OneOffCommand | undefined {
	const wanted = options.migrateFirst || profile.migration.first || !profile.migration.automatic;
	if (!wanted) return undefined;
	refuseIf(!profile.migration.oneOff, `--migrate-first: ${name}'s profile ${profile.id} (${profile.source}) has no one-off migration command (migration.oneOff); nothing was touched`);
	return profile.migration.oneOff;
}
