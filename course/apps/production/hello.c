/* Chapter 9's program: it needs a C compiler to build, and nothing but itself to run (when linked statically). */
#include <stdio.h>

int main(void) {
    puts("hello from a multi-stage build");
    return 0;
}
