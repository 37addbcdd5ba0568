import { TransitionFailure, type Transition } from '../../core/ports.js';
import { repositoryOf, tagOf } from '../../docker/discovery.js';
import { changedServices, composeView } from './config-check.js';
import { serviceEdit } from './edit.js';
import { saveCopies, writeEdits } from './files.js';
import type { ComposeUnit } from './unit.js';

// The edit as a journaled transition: copies first (their paths and
// checksums patched into the undo before a byte is written), then the tag,
// then Compose must agree that this service, and nothing else, changed.

export function editFilesTransition(unit: ComposeUnit, tag: string, copyDir: string, env: NodeJS.ProcessEnv): Transition {
	const files = [...new Set(unit.edits.map((edit) => edit.path))];
	return {
		kind: 'edit-files',
		step: 'files',
		intent: files.length > 0 ? `write the tag ${tag} for ${unit.service} into ${files.join(', ')} (copies kept first)` : `check that the files name ${tag} for ${unit.service}`,
		undo: { kind: 'restore-files', copies: '[]' },
		run: async (ctx) => {
			// Redone on the files as they are now: an earlier service of this run may have edited them.
			const edit = await serviceEdit(unit.project, unit.service, tag);
			const run = { cli: unit.cli, project: unit.project, strip: edit.strip, env, signal: ctx.signal };
			const before = await composeView(run);
			const copies = await saveCopies(edit.edits, copyDir);
			await ctx.record({ files: copies.map((copy) => copy.path).join(',') }, { copies: JSON.stringify(copies) });
			await writeEdits(edit.edits);
			const after = await composeView(run);
			const image = after.images.get(unit.service);
			if (!image || repositoryOf(image) !== repositoryOf(unit.from) || tagOf(image) !== tag) {
				throw new TransitionFailure('files', `after the edit Compose says service ${unit.service} runs ${image ?? 'no image'}, not ${repositoryOf(unit.from)}:${tag}`);
			}
			const changed = changedServices(before, after, [unit.service, ...unit.cluster]);
			if (changed.length > 0) throw new TransitionFailure('files', `the edit would also change ${changed.join(', ')}; nothing else may change`);
			return copies.length > 0 ? copies.map((copy) => `${copy.path} (copy ${copy.copy})`).join(', ') : 'already named by an earlier service of this run';
		},
	};
}
