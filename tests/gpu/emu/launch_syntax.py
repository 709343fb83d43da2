# Rewrite CUDA launches `kernel<<<grid, block>>>(args)` as the emulator's
# `emu_cfg(grid, block).run(kernel, args)`: usage launch_syntax.py IN OUT
import re
import sys

src = open(sys.argv[1], encoding='utf-8').read()
out, i = [], 0
launch = re.compile(r'(\w+)<<<(.*?)>>>\(', re.S)
while True:
    m = launch.search(src, i)
    if not m:
        out.append(src[i:])
        break
    out.append(src[i:m.start()])
    j, depth = m.end(), 1
    while depth:  # the argument list's closing parenthesis
        depth += {'(': 1, ')': -1}.get(src[j], 0)
        j += 1
    args = src[m.end():j - 1]
    out.append('emu_cfg(%s).run(%s%s)' % (m.group(2), m.group(1),
                                           ', ' + args if args.strip() else ''))
    i = j
open(sys.argv[2], 'w', encoding='utf-8').write(''.join(out))
