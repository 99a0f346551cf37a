#!/usr/bin/env python3
"""Helper for translators working outside Qt Linguist.

  tstool.py export TS            print every message as  ID<TAB>context<TAB>source<TAB>comment<TAB>N
                                 (N = 1 for plural messages; newlines written as \\n)
  tstool.py todo TS              the same, only the unfinished messages
  tstool.py fill TS COLUMN FILE  take translations from FILE (lines  ID<TAB>de<TAB>fr ...; COLUMN 1 is
                                 the first translation column) and mark them finished; plural forms
                                 are separated by ' || '
  tstool.py check TS...          report unfinished messages and placeholder or mnemonic mismatches

IDs are the first 8 hex digits of SHA-1 over context, source and comment, so they stay stable while
the strings do. After `fill`, run the update_translations target (or lupdate) to restore lupdate's
formatting. tst_translations performs the same checks in the build.
"""
import hashlib
import re
import sys
import xml.etree.ElementTree as ET


def msg_id(context, source, comment):
    return hashlib.sha1('\x1f'.join((context, source, comment)).encode()).hexdigest()[:8]


def messages(root):
    for ctx in root.iter('context'):
        name = ctx.findtext('name')
        for m in ctx.iter('message'):
            src = m.findtext('source') or ''
            com = m.findtext('comment') or ''
            yield name, m, src, com


def esc(s):
    return s.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t')


def unesc(s):
    return re.sub(r'\\(.)', lambda x: {'n': '\n', 't': '\t', '\\': '\\'}.get(x.group(1), x.group(0)), s)


PLACEHOLDER = re.compile(r'%L?(\d|n)')
MNEMONIC = re.compile(r'&(?![&#]|[a-zA-Z]+;)')


def placeholders(s):
    return sorted(set(p.replace('L', '') for p in re.findall(r'%L?(?:\d|n)', s)))


def texts(m):
    t = m.find('translation')
    if t is None:
        return []
    forms = t.findall('numerusform')
    return [f.text or '' for f in forms] if forms else [t.text or '']


def main(argv):
    cmd = argv[1]
    if cmd in ('export', 'todo'):
        root = ET.parse(argv[2]).getroot()
        for name, m, src, com in messages(root):
            t = m.find('translation')
            if cmd == 'todo' and t is not None and t.get('type') != 'unfinished':
                continue
            num = '1' if m.get('numerus') == 'yes' else '0'
            print('\t'.join((msg_id(name, src, com), name, esc(src), esc(com), num)))
    elif cmd == 'fill':
        path, col, data = argv[2], int(argv[3]), argv[4]
        table = {}
        for line in open(data, encoding='utf-8'):
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            parts = line.split('\t')
            table[parts[0]] = unesc(parts[col])
        tree = ET.parse(path)
        root = tree.getroot()
        used = set()
        for name, m, src, com in messages(root):
            key = msg_id(name, src, com)
            if key not in table:
                continue
            used.add(key)
            t = m.find('translation')
            if t is None:
                t = ET.SubElement(m, 'translation')
            for child in list(t):
                t.remove(child)
            if 'type' in t.attrib:
                del t.attrib['type']
            if m.get('numerus') == 'yes':
                t.text = None
                for form in table[key].split(' || '):
                    ET.SubElement(t, 'numerusform').text = form
            else:
                t.text = table[key]
        tree.write(path, encoding='utf-8', xml_declaration=True)
        unknown = set(table) - used
        for key in sorted(unknown):
            print('unknown id', key, file=sys.stderr)
        print(f'{path}: filled {len(used)}', file=sys.stderr)
    elif cmd == 'check':
        bad = 0
        for path in argv[2:]:
            root = ET.parse(path).getroot()
            for name, m, src, com in messages(root):
                t = m.find('translation')
                where = f'{path}: {name}: {src!r}'
                if t is None or t.get('type') in ('unfinished', 'vanished', 'obsolete'):
                    print(where, 'is', 'untranslated' if t is None else t.get('type'))
                    bad += 1
                    continue
                for text in texts(m):
                    if placeholders(text) != placeholders(src):
                        print(where, 'placeholders differ:', repr(text))
                        bad += 1
                    if MNEMONIC.search(src) and not MNEMONIC.search(text):
                        print(where, 'lost its mnemonic:', repr(text))
                        bad += 1
                    if not text.strip():
                        print(where, 'has an empty translation')
                        bad += 1
        print(f'{bad} problem(s)')
        return 1 if bad else 0
    else:
        print(__doc__)
        return 64
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
