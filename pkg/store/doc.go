// Package store is the content-addressed results store: one file per
// artifact under a directory, named by the artifact's key (the hex sha256
// of everything that determines it; pkg/runner builds the keys).
//
// Every file is written atomically: the bytes go to a temporary file in the
// same directory, which is fsynced and renamed over the final name, and the
// directory is fsynced. A reader therefore sees either no file or the
// complete file, so a run killed at any instant (Ctrl-C, kill -9, power
// loss) leaves only whole artifacts behind, and rerunning resumes by
// skipping the keys already present. A record (<key>.json) is written
// last, after the artifact's data files, so its presence means the
// artifact is complete. Two stores merge by copying files.
package store
