import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import type { HealthOptions, Unit } from '../../core/plan/plan.js';
import type { StepName } from '../../core/events.js';
import type { UnitRecord } from '../../core/journal/journal.js';
import type { Profile } from '../../profiles/profile.js';
import type { ComposeCli, ComposeProject } from './cli.js';
import type { FileEdit } from './types.js';
import type { OneOffCommand } from '../one-off-command.js';

// A Compose service as a unit: everything its upgrade needs, found without
// touching anything. The upgrade goes through Compose itself (edit the file
// that names the tag, `up -d --no-deps SERVICE`), never behind its back: a
// recreate by hand leaves the config hash stale and the next `up -d` would
// recreate again.

/** One running container of the service (a replica). */
export interface ServiceContainer {
	id: string;
	name: string;
}

export interface ComposeUnit extends Unit {
	kind: 'compose';
	project: ComposeProject;
	service: string;
	cli: ComposeCli;
	/** The service's running containers, the selected one first. */
	containers: ServiceContainer[];
	/** The first container's inspect and its image's (database planning, the profile, redaction). */
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	oldImageId: string;
	profile: Profile;
	stopTimeoutS: number;
	/** Variables the env file defines: taken out of the shell env Compose runs with, so the file (which the wizard edits) wins. */
	strip: string[];
	/** Secret values of the env file, for the redactor only: never journaled. */
	secrets: string[];
	/** The edit as planned against the files as they are now (shown by --dry-run; redone at run time). */
	edits: FileEdit[];
	/** --compose-down: stop the whole project first, `up -d` all of it after. */
	composeDown: boolean;
	/** Other services of the same project in this run: a shared tag (one variable) may change them too. */
	cluster: string[];
	health: HealthOptions;
	/** --migrate-first (or a profile that asks for it): `compose run` of the migration before the `up`. */
	migrateFirst?: OneOffCommand;
}

/** One file the edit changed: where its copy is and how to tell which version is on disk. */
export interface FileCopy {
	path: string;
	copy: string;
	sha256Before: string;
	sha256After: string;
	/** The file did not exist before the edit (an env file the edit created). */
	created?: boolean;
}

/** A Compose unit's journal record: enough for rollback and recover without the process that wrote it. */
export interface ComposeRecord extends UnitRecord {
	project: ComposeProject;
	service: string;
	cli: ComposeCli;
	containers: ServiceContainer[];
	oldImageId: string;
	stopTimeoutS: number;
	strip: string[];
	health: HealthOptions;
	composeDown?: boolean;
	/** Where the edit keeps its copies of the files (0600). */
	copyDir: string;
}

export const serviceLabel = (project: string, service: string) => `${project}/${service}`;

/** The service's steps, with the one-off before the `up` and the post-upgrade checks after the gate when they run. */
export function composeSteps(migrateFirst: boolean, checks: boolean): StepName[] {
	return ['pull', 'files', 'stop', ...(migrateFirst ? (['migrate'] as const) : []), 'start', 'health', ...(checks ? (['checks'] as const) : []), 'remove-old'];
}
