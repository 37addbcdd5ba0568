// A setup file: runs before every test file, so each file's scratch dirs go with it.
import { cleanUpAfterFile } from './temp-dir.js';

cleanUpAfterFile();
