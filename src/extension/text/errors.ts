/**
 * A tokenizer folder or text the CLIP tokenizer cannot use (a missing or malformed file, a text
 * too long): the message names the file and what to do. The diffusion editor and the CLIP
 * classifier, which both read tokenizers, report it as their own input error.
 */
export class TokenizerInputError extends Error {
  override readonly name = 'TokenizerInputError';
}
