/** The naming helpers the renderer shares with the naming check (`shared/core/naming/`). */
export { fit, shortHash, withHash } from '../naming/hash.ts';
