import { useEffect } from 'react';
import { useStdout } from 'ink';

// When the window gets smaller, the terminal reflows or cuts what is on screen:
// the live frame then covers more rows (or other rows) than ink erases before it
// draws the next one, and the top of the old frame stays above the new one (two
// headers, history lines inside the step list). After the resize has settled
// (ink has laid out the new size, and its throttled write is done) this pushes
// whatever is on screen up into the scrollback, where history belongs, and has
// ink draw its last frame again at the top of an empty screen: useStdout().write
// erases the frame, writes these bytes, and restores the frame whole.

/** Long enough for ink's own resize handling and its throttled frame (30 fps) to be written. */
const SETTLE_MS = 80;

export function useShrinkRedraw(): void {
	const { stdout, write } = useStdout();
	useEffect(() => {
		if (!stdout.isTTY) return;
		let last = { columns: stdout.columns, rows: stdout.rows };
		let timer: NodeJS.Timeout | undefined;
		const onResize = () => {
			const now = { columns: stdout.columns, rows: stdout.rows };
			const shrank = now.columns < last.columns || now.rows < last.rows;
			last = now;
			if (!shrank) return;
			clearTimeout(timer);
			timer = setTimeout(() => {
				// To the last row, then one newline per row: the screen scrolls up into the scrollback; then home.
				write(`\u001b[${stdout.rows};1H${'\n'.repeat(stdout.rows)}\u001b[H`);
			}, SETTLE_MS);
		};
		stdout.on('resize', onResize);
		return () => {
			clearTimeout(timer);
			stdout.off('resize', onResize);
		};
	}, [stdout, write]);
}
