/** In-framework tests of the dualstream bundles. */
package dualstream.itest;
