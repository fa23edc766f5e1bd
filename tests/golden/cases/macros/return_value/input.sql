{{ double(3) }} {{ double(3) + 1 }} {{ double('ab') }}
