// Package checkpoint saves and loads a trained model: its configuration, the
// training step, the parameter vector, the optional EMA of the parameters and
// the optimiser's state, in one self-checking binary file.
//
// # File format (version 1)
//
// All integers and floats are little-endian; a float64 is stored as its IEEE
// 754 bit pattern, so a round trip is bit-exact (NaN payloads included).
//
//	offset  size      field
//	0       8         magic "FLOWBCKP"
//	8       4         format version (uint32) = 1
//	12      8         total file length in bytes (uint64), checksum included
//	20      4         length L of the model configuration (uint32)
//	24      L         model configuration, JSON
//	        8         training step (uint64)
//	        8         number of parameters P (uint64)
//	        8·P       parameters θ (float64)
//	        1         flags: bit 0 EMA present, bit 1 optimiser state present
//	        8 + 8·P   EMA update count (uint64) and averaged parameters θ̄  (bit 0)
//	        2 + N     optimiser name length N (uint16) and name            (bit 1)
//	        8 + 16·P  optimiser step (uint64), first moments m, second v    (bit 1)
//	        32        SHA-256 of every preceding byte
//
// Storing the total length up front lets a short file be reported as
// truncated (rather than as a checksum mismatch), and a long one as carrying
// trailing bytes. The checksum is verified before any other field is
// trusted.
//
// # Errors
//
// Every failure of [Load] and [LoadFor] is an [*Error] naming the file and
// wrapping one of [ErrTruncated], [ErrMagic], [ErrVersion], [ErrChecksum],
// [ErrConfig] or [ErrCorrupt], so callers can test the kind with errors.Is.
//
// # Atomic writes
//
// [Save] writes a temporary file in the destination's directory, fsyncs it,
// renames it over the destination and fsyncs the directory, so a reader sees
// either the old file or the complete new one, never a partial write (the
// rule pkg/store follows for every artifact file).
package checkpoint
