{{ local_md5('hello') }} {{ local_md5('') }}
