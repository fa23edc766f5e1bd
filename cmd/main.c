// SPDX-License-Identifier: MIT
/*
 * The xform binary: everything else is in libxform (cmd/xform.c).
 */
#include "cmd/cli.h"

int main(int argc, char **argv)
{
    return xf_main(argc, argv);
}
