package trustedpath

import "io/fs"

// A WriteDir is a directory monitor-token writes into for other programs
// to run or load what it puts there: install-links' directory of links,
// and the completion directories a shell loads scripts from. Whoever can
// change such a directory, or one above it, can swap what is put there
// for their own code, which the user then runs. So the rule is the one
// for a directory on the way to the config file (see the package
// documentation), held for the directory itself too: it and every
// directory above it belong to the user or root and no one else can write
// them unless they are sticky, and every link on the way belongs to the
// user or root. Name and Move are how refusals say it.
type WriteDir struct {
	Name string // "the links' directory"
	Move string // the way out: "pass --dir a directory of yours ..."
}

func (d WriteDir) place() place { return place{name: d.Name, move: d.Move} }

// Resolve checks dir, which may not exist yet, and returns its real path:
// the part that exists with its links resolved and ".." taken where they
// lead, as the kernel does, and the missing part below it. What is missing
// is to be created under a directory that passed. A refusal is an *Error;
// other errors are the walk's (a file on the way: ENOTDIR).
//
// Check again after creating the missing part: in a sticky directory
// another user may have made one of those directories first.
func (d WriteDir) Resolve(dir string) (real string, err error) {
	return resolveWriteDir(d.place(), dir)
}

// Foreign says why a file or link found in a WriteDir is not to be taken
// for the user's own, "" when nothing says so: it belongs to another user
// (not the user, not root), or it is a regular file group or others can
// write. OpenSSH holds files it trusts to the same (secure_permissions);
// the config file's check here is this one.
func Foreign(fi fs.FileInfo) string {
	problem, _ := entryProblem(fi)
	return problem
}
