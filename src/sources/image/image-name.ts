// Image names as ImageRepository.spec.image takes them: registry/repository, no scheme, tag or digest.
import { parseOciUrl, type OciRepositoryAddress } from '../oci/reference.ts';

/**
 * The canonical name (`registry/repository`, Docker Hub names made explicit) of `spec.image`, which must
 * carry no scheme, tag or digest. Throws with a readable message otherwise.
 */
export function parseImageName(image: string): OciRepositoryAddress & { canonicalName: string } {
  if (image.includes('://'))
    throw new Error(`image '${image}' must not start with a scheme; remove '${image.split('://')[0]}://'`);
  let address: OciRepositoryAddress;
  try {
    address = parseOciUrl(`oci://${image}`);
  } catch (err) {
    throw new Error(
      `invalid image '${image}': ${(err instanceof Error ? err.message : String(err)).replace(/^URL /, 'image ')}`,
    );
  }
  return { ...address, canonicalName: `${address.registry}/${address.repository}` };
}
