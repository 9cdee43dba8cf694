/** Small programs the README's snippets come from; CI compiles and runs them. */
@NullMarked
package io.crmsync.examples;

import org.jspecify.annotations.NullMarked;
