/** `npm run schema`: writes schema.sql from the migrations (see renderSchema.ts). */
import {writeFile} from 'node:fs/promises';
import {renderSchema} from './renderSchema.ts';

await writeFile(new URL('../schema.sql', import.meta.url), await renderSchema());
