/** Whether the tests run on CI's emulated CPU (qemu-x86_64 -cpu Nehalem). */
import { binding } from '../../lib/native.js';

/** A CPU with only the scalar path is, in CI, the emulated one (qemu): tens of times slower per call, so the
 * largest runs are skipped or scaled down there. */
export const emulated = !binding.backendInfo().isas.some((isa) => isa !== 'scalar');
